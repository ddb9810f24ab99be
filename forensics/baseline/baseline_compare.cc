// baseline.compare: compares the host with a signed known-good baseline and
// with its package database, and says whether it is clean, suspect or must
// be rebuilt. Reads only; nothing to undo.
#include "forensics/baseline/baseline_compare.h"

#include "forensics/baseline/baseline_compare_output.h"
#include "forensics/baseline/signed_baseline_file.h"
#include "responder/record_module.h"

namespace responder::baseline {

CompareRequest compare_request(const json::object& params) {
  CompareRequest r;
  auto text = [&](const char* key) {
    auto* v = params.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  r.baseline = text("baseline");
  r.public_key = text("public_key");
  r.key_fingerprint = text("key_fingerprint");
  if (auto root = text("root"); !root.empty()) r.options.root = root;
  if (auto* p = params.if_contains("packages"); p && p->is_bool()) r.options.packages = p->get_bool();
  if (auto* list = params.if_contains("paths"); list && list->is_array())
    for (auto& p : list->get_array())
      if (p.is_string()) r.options.paths.emplace_back(p.get_string());
  return r;
}

namespace {

Result<BaselineContents> load(const CompareRequest& request, const Config* config) {
  auto trusted = trusted_baseline_key(request.public_key, request.key_fingerprint, config);
  if (!trusted) return trusted.error();
  return read_baseline(request.baseline, *trusted);
}

}  // namespace

Result<BaselineHeader> check_baseline(const CompareRequest& request, const Config* config) {
  auto contents = load(request, config);
  if (!contents) return contents.error();
  return contents->header;
}

Result<CompareOutcome> run_comparison(const CompareRequest& request, const Config* config) {
  std::optional<BaselineContents> contents;
  if (!request.baseline.empty()) {
    auto loaded = load(request, config);
    if (!loaded) return loaded.error();
    contents = std::move(*loaded);
  }
  auto comparison = compare_host(contents ? &*contents : nullptr, request.options);
  if (!comparison) return comparison.error();
  CompareOutcome outcome{std::move(*comparison), {}};
  outcome.verdict = decide_verdict(outcome.comparison);
  return outcome;
}

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
