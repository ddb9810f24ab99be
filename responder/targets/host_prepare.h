// `responder hosts prepare`: bringing hosts to this build's responder, so
// that their `responder step` answers the controller (same version exactly).
//
// An ssh host is asked `PROGRAM --version` (PROGRAM: the host's
// responder_program, else the configuration's targets.remote_program).
// When it says this build's version nothing more is done. Otherwise the
// package (responder_package.h) is copied over ssh's standard input into a
// private directory that the far side makes (umask 077, mktemp -d), its
// SHA-256 there is compared with the controller's own, and only when they
// agree is it installed with `dpkg -i`; the directory is removed either way
// and the host is asked its version again. Every remote command is fixed
// text run by `sh -c` on the far side: no inventory value is part of one
// (PROGRAM is a plain path, checked by check_ssh_target); the directory's
// name comes back from the far side and is used only in the exact form
// the far side was asked to make.
//
// The ssh user must be root: `dpkg -i` is run as that user, never through
// sudo (Ansible's ansible_become is not honoured yet). A host whose user is
// not root is told so before anything is copied.
//
// Local and namespace hosts run this very program (in process, or as
// /proc/self/exe in a child that entered the namespaces): they share this
// machine's files, so there is nothing to copy, and they are current.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "responder/inventory/host_reach.h"
#include "responder/result.h"
#include "responder/targets/host_executor.h"
#include "responder/targets/responder_package.h"

namespace responder::targets {

struct PrepareHost {
  std::string name;  // the inventory's
  inventory::HostReach reach;
};

enum class PrepareOutcome {
  current,      // it already had this version: nothing was done
  installed,    // the package was copied, checked and installed, and the host now says this version
  failed,       // it could not be brought to this version (the detail says what was and was not done)
  unreachable,  // ssh could not reach it (or the namespace is gone): nothing was installed
};
std::string_view outcome_name(PrepareOutcome outcome);  // "current", "installed", ...

struct HostPreparation {
  std::string host;
  std::string transport;  // "ssh", "local", "namespace"
  // What `PROGRAM --version` said before and after (e.g. "0.1.0"), printable
  // and at most 64 characters; none when no responder answered.
  std::optional<std::string> version_before, version_after;
  PrepareOutcome outcome = PrepareOutcome::failed;
  std::string detail;  // one line for people: what was done, or why not
};

// Checks every host's reach as its ssh command line would carry it (see
// check_ssh_target: bad input, or refused for options that switch host key
// checking off), naming the host, before any host is touched.
Status check_prepare_hosts(const std::vector<PrepareHost>& hosts, const TargetSettings& settings);

// Prepares one host with `package` (whose version is this build's).
HostPreparation prepare_host(const PrepareHost& host, const ResponderPackage& package, const TargetSettings& settings);

// Prepares `hosts`, up to `forks` at a time, calling `finished` for each as
// it is done (one call at a time, from the worker that did it; it must not
// throw). Returns the results in the order of `hosts`. A host whose
// preparation ended in an exception is failed.
std::vector<HostPreparation> prepare_hosts(const std::vector<PrepareHost>& hosts, const ResponderPackage& package,
                                           const TargetSettings& settings, int forks,
                                           const std::function<void(const HostPreparation&)>& finished);

}  // namespace responder::targets
