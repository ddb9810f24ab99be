// The object baseline.compare registers (and `responder baseline compare`
// prints): the verdict with its rules, the file differences, the package
// mismatches, the inventory differences, and `tampered`, the paths worth
// handing to evidence.collect (`paths: ["{{ check.tampered }}"]`): where the
// files are on this host (under `root` when one was given), as globs.
//
// Lists are cut at kMaxListed entries (`truncated` says so; `counts` keeps
// the totals), so a host that differs everywhere still gives a journal
// record of bounded size.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "forensics/baseline/baseline_comparison.h"
#include "forensics/baseline/baseline_verdict.h"
#include "responder/json.h"

namespace responder::baseline {

inline constexpr std::size_t kMaxListed = 1000;

json::object comparison_output(const BaselineComparison& comparison, const Verdict& verdict);

// The lines a terminal and the timeline show: the verdict, then one line per rule.
std::vector<std::string> comparison_summary(const BaselineComparison& comparison, const Verdict& verdict);

// The output's key for an inventory kind: "sockets", "accounts", ...
std::string inventory_output_key(std::string_view kind);

}  // namespace responder::baseline
