// A throw-away directory under /var/tmp (on disk, not tmpfs, so benchmarks
// measure the disk evidence lands on) for the evidence benchmarks. It is
// removed with everything in it at scope exit, write-once flags included.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "forensics/evidence/immutable_file.h"

namespace responder::bench {

struct EvidenceScratch {
  std::filesystem::path root;
  explicit EvidenceScratch(const std::string& name) {
    std::string templ = "/var/tmp/responder-" + name + "-XXXXXX";
    if (!::mkdtemp(templ.data())) std::perror("mkdtemp"), std::exit(1);
    root = templ;
  }
  ~EvidenceScratch() { evidence::remove_write_once_tree(root); }
  EvidenceScratch(const EvidenceScratch&) = delete;
  EvidenceScratch& operator=(const EvidenceScratch&) = delete;
};

}  // namespace responder::bench
