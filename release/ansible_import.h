// The per-host results of an exported release (ansible_export.h) that
// Ansible wrote, read back and checked before anything is journaled: each
// names this incident, step and artifact, a host of the export, a known
// state, and printable text of bounded length. Untrusted input: a results
// file may come from anywhere (tests/fuzz/ansible_results_fuzzer.cc).
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "responder/result.h"

namespace responder::release {

struct ImportedHost {
  std::string host, state, version_before, version, detail, backup_dir;
};

struct ExportCheck {
  std::string incident, step, sha256;
  std::set<std::string> hosts;
};

// One result (results/HOST.json), or an AWX artifacts object
// {"responder_release": {HOST: result, ...}}; every entry checked.
Result<std::vector<ImportedHost>> parse_ansible_results(const std::string& text, const ExportCheck& check,
                                                        const std::string& origin);

// A results/ directory (every *.json in it) or one file.
Result<std::vector<ImportedHost>> read_ansible_results(const std::filesystem::path& path, const ExportCheck& check);

}  // namespace responder::release
