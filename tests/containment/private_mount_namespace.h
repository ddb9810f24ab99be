// Moves the test process into a private mount namespace, so that every mount
// a test makes (tmpfs volumes, bind mounts, overlays over /etc) disappears
// with the process, even when the test fails or crashes. Each ctest test is
// its own single-threaded doctest process, which unshare(CLONE_NEWNS) needs.
#pragma once

#include "tests/support/skip.h"
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

namespace responder::lab {

// Empty on success, else why the namespace cannot be made here.
inline std::string enter_private_mount_namespace() {
  if (::geteuid() != 0) return "needs root for a private mount namespace";
  if (::unshare(CLONE_NEWNS) != 0) return std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
  // Stop mount events from propagating back to the host's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return std::string("making / private: ") + std::strerror(errno);
  return {};
}

#define RESPONDER_REQUIRE_PRIVATE_MOUNTS() RESPONDER_SKIP_WHEN(::responder::lab::enter_private_mount_namespace())

}  // namespace responder::lab
