// baseline.compare's parameters turned into a comparison: shared by the
// module (baseline_compare.cc) and `responder baseline compare`
// (baseline_command.cc).
#pragma once

#include <string>

#include "forensics/baseline/baseline_comparison.h"
#include "forensics/baseline/baseline_verdict.h"
#include "responder/json.h"
#include "responder/module.h"

namespace responder::baseline {

struct CompareRequest {
  std::string baseline;         // empty: packages only
  std::string public_key, key_fingerprint;
  CompareOptions options;
};

// From the module's parameters (schema-checked, defaults filled in).
CompareRequest compare_request(const json::object& params);

struct CompareOutcome {
  BaselineComparison comparison;
  Verdict verdict;
};

// Checks the baseline's signature (refused when it does not verify), parses
// it (bad input when malformed) and compares the host with it.
Result<CompareOutcome> run_comparison(const CompareRequest& request, const Config* config);

// The comparison with a baseline already checked and parsed (null: the
// package database only).
Result<CompareOutcome> compare_with(const BaselineContents* baseline, const CompareRequest& request);

// Only the signature check and parse, for plan: what the baseline is.
Result<BaselineHeader> check_baseline(const CompareRequest& request, const Config* config);

}  // namespace responder::baseline
