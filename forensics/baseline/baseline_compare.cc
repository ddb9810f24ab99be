// baseline.compare: compares the host with a signed known-good baseline and
// with its package database, and says whether it is clean, suspect or must
// be rebuilt. Reads only; nothing to undo.
#include "forensics/baseline/baseline_compare_output.h"
#include "forensics/baseline/baseline_compare_request.h"
#include "responder/record_module.h"

namespace responder::baseline {
namespace {

class BaselineCompare final : public RecordModule {
 public:
  BaselineCompare() : RecordModule("baseline comparison recorded", "baseline comparison not yet recorded") {}
  std::string_view name() const override { return "baseline.compare"; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    auto request = compare_request(params);
    PlanResult plan;
    std::string what = request.options.paths.empty() ? std::string("the baseline's paths") : comma_joined(request.options.paths);
    if (request.baseline.empty()) {
      if (!request.options.packages) return bad_input("baseline.compare needs a baseline, or packages: true, to compare with");
      plan.changes.push_back("nothing changes; checks packaged files under " + what + " against the package database");
      return plan;
    }
    // A baseline that would be refused is refused now, before the run goes on.
    auto header = check_baseline(request, context.config);
    if (!header) return header.error();
    plan.detail["baseline_host"] = header->host;
    plan.detail["baseline_time"] = header->time;
    plan.changes.push_back("nothing changes; compares " + what + " with the baseline of " + header->host + " recorded " +
                           header->time + (request.options.packages ? " and with the package database" : ""));
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    auto request = compare_request(params);
    request.options.stop = [&context] { return context.should_stop(); };
    if (context.progress)
      request.options.progress = [&context](const HashingProgress& p) {
        context.progress->progress(p.files_hashed, p.files_expected, "files", describe(p));
      };
    auto outcome = run_comparison(request, context.config);
    if (!outcome) return outcome.error();
    Receipt receipt;
    receipt.output = comparison_output(outcome->comparison, outcome->verdict);
    receipt.changes = comparison_summary(outcome->comparison, outcome->verdict);
    return receipt;
  }
};

RESPONDER_MODULE(BaselineCompare);

}  // namespace
}  // namespace responder::baseline
