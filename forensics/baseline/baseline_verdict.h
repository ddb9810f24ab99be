// Whether a compared host is clean, suspect or must be rebuilt, and the
// rules that decided it, each with the items that set it off.
//
//   rebuild  a packaged binary that is not what its package installed
//            (packaged-binary-changed); an executable or library that no
//            package owns changed since the baseline (binary-changed); a new set-uid/set-gid file (new-setid-file);
//            file capabilities gained (new-file-capabilities); a new uid-0
//            account or a new member of root/sudo/wheel/admin
//            (new-root-account); a new key in an authorized_keys of a uid-0
//            account (new-root-key).
//   suspect  anything else that differs: changed configuration files
//            (conffile-changed), other changed, added or removed files,
//            missing packaged files, and added, changed or removed sockets,
//            accounts, groups, keys, cron entries, units, kernel modules.
//   clean    nothing differs.
// Without a baseline (the package database alone), a set-id file that no
// package installed counts as a new set-id file.
#pragma once

#include <string>
#include <vector>

#include "forensics/baseline/baseline_comparison.h"

namespace responder::baseline {

struct VerdictRule {
  std::string rule;     // "new-setid-file"
  std::string verdict;  // "rebuild" or "suspect"
  std::string reason;   // one sentence for people
  std::vector<std::string> items;  // what set it off (paths, "account mallory uid 0", ...)
};

struct Verdict {
  std::string verdict = "clean";
  std::vector<VerdictRule> rules;  // rebuild rules first
};

Verdict decide_verdict(const BaselineComparison& comparison);

// Whether a file is one whose change alone means the host must be rebuilt:
// executable by anyone, or a shared library or kernel image.
bool is_binary(const FileEntry& entry);

}  // namespace responder::baseline
