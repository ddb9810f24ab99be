// What responders add to a report that no journal record holds: what each
// asset costs per hour of downtime, the recovery effort spent, the weaknesses
// that were exploited (to add to scanning) and questions for the review
// meeting. A YAML (or JSON) file:
//
//   currency: EUR                      # optional, default "EUR"
//   assets:
//     - name: web01                    # as it should read in the report
//       cost_per_hour: 1200            # number >= 0
//       match: [web01, 203.0.113.7, nginx.service]   # optional, default [name]
//   effort:
//     - by: alice
//       hours: 6.5
//       cost_per_hour: 90
//       what: rebuilt web01            # optional
//   weaknesses: ["OpenSSH CVE-2024-6387 on the web hosts"]
//   questions: ["Why did the alert take 40 minutes?"]
//
// An asset is touched by a containment change when one of its `match`
// strings equals the change's host, or any string among the step's
// parameters (an address, a unit, a share), or any address in them.
#pragma once

#include <string>
#include <vector>

#include "responder/result.h"

namespace responder {

struct ReviewAsset {
  std::string name;
  double cost_per_hour = 0;
  std::vector<std::string> match;
};

struct ReviewEffort {
  std::string by, what;
  double hours = 0, cost_per_hour = 0;
};

struct ReviewInput {
  std::string currency = "EUR";
  std::vector<ReviewAsset> assets;
  std::vector<ReviewEffort> effort;
  std::vector<std::string> weaknesses, questions;
};

// Reads the review file; every error names FILE:LINE:COL (bad input).
Result<ReviewInput> load_review_input(const std::string& file);
// The same over text already read; `origin` names it in errors.
Result<ReviewInput> parse_review_input(const std::string& text, const std::string& origin);

}  // namespace responder
