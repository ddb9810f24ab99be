// Traffic analysis end to end: read captures (or an interface for a while),
// count, conclude. What `responder analyze` and `traffic.analyze` run.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "forensics/traffic/traffic_detection.h"
#include "forensics/traffic/traffic_finding.h"
#include "forensics/traffic/traffic_tally.h"
#include "responder/module.h"
#include "responder/result.h"

namespace responder::traffic {

struct AnalysisOptions {
  TallyLimits limits;
  DetectionThresholds thresholds;
  // Stop flags and progress; null outside a playbook step.
  const StepContext* context = nullptr;
};

// Reads every file in turn into one tally and concludes. Memory does not grow
// with the files' size (see traffic_tally.h). Fails on a file that cannot be
// opened or a link type that is not decoded; a truncated last record is
// reported in `capture.warnings` and what was read stands. Stops with an
// interruption error when the context says so.
Result<Finding> analyze_captures(const std::vector<std::filesystem::path>& files, const AnalysisOptions& options = {});

// Captures on `interface` for `duration` (optionally through a BPF `filter`)
// and concludes; kernel drops are reported in `capture`.
Result<Finding> analyze_interface(const std::string& interface, std::chrono::milliseconds duration,
                                  const std::string& filter, const AnalysisOptions& options = {});

}  // namespace responder::traffic
