// baseline.compare: compares the host with a signed known-good baseline and
// with its package database, and says whether it is clean, suspect or must
// be rebuilt. Reads only; nothing to undo.
#include "forensics/baseline/baseline_compare_output.h"
#include "forensics/baseline/baseline_compare_request.h"
#include "forensics/baseline/signed_baseline_file.h"
#include "responder/durable_file.h"
#include "responder/record_module.h"
#include "responder/targets/step_attachment.h"

namespace responder::baseline {
namespace {

const json::object* delivered_facts(const json::object& params) {
  auto* facts = params.if_contains("baseline_facts");
  return facts && facts->is_object() ? &facts->get_object() : nullptr;
}

std::string text(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The baseline that came with the request: the very bytes whose signature
// the controller checked, or refused.
Result<BaselineContents> delivered_baseline(const json::object& facts, const StepContext& context) {
  if (!context.attachment) return bad_input("baseline.compare: the baseline did not come with the request");
  if (context.attachment->sha256() != text(facts, "sha256"))
    return refusal("the baseline received (sha256 " + context.attachment->sha256() + ") is not the one whose signature the controller checked (" +
                   text(facts, "sha256") + ")");
  auto bytes = read_text_file(context.attachment->path(), kMaxBaselineFile);
  if (!bytes) return bytes.error();
  return parse_compressed_baseline(*bytes);
}

// baseline.compare's request, a relative baseline or key file taken from
// the playbook's folder (as release.push takes its artifact).
CompareRequest request_for(const json::object& params, const StepContext& context) {
  auto request = compare_request(params);
  for (auto* file : {&request.baseline, &request.public_key})
    if (!file->empty() && std::filesystem::path(*file).is_relative() && !context.playbook_dir.empty())
      *file = (context.playbook_dir / *file).string();
  return request;
}

class BaselineCompare final : public RecordModule {
 public:
  BaselineCompare() : RecordModule("baseline comparison recorded", "baseline comparison not yet recorded") {}
  std::string_view name() const override { return "baseline.compare"; }

  // For a step with `targets:`: the controller checks the signature with
  // its own trusted key, and sends the baseline's bytes with each host's
  // apply; a host checks they are those bytes (by SHA-256) and compares.
  Result<HostDelivery> prepare_on_controller(const json::object& params, StepContext& controller) const override {
    if (params.contains("baseline_facts"))
      return bad_input("baseline.compare: `baseline_facts` is set by the controller, never in a playbook");
    HostDelivery delivery;
    delivery.params = params;
    auto request = request_for(params, controller);
    if (request.baseline.empty()) return delivery;
    auto trusted = trusted_baseline_key(request.public_key, request.key_fingerprint, controller.config);
    if (!trusted) return trusted.error();
    auto verified = read_verified_baseline(request.baseline, *trusted);
    if (!verified) {
      if (verified.error().kind == ErrorKind::refused) return refusal(verified.error().message + "; nothing was sent to any host");
      return verified.error();
    }
    auto contents = parse_compressed_baseline(*verified->bytes);
    if (!contents) return contents.error();
    delivery.params["baseline_facts"] = json::object{{"sha256", verified->sha256},
                                                     {"size", verified->bytes->size()},
                                                     {"host", contents->header.host},
                                                     {"time", contents->header.time}};
    delivery.attachment = verified->bytes;
    delivery.attachment_sha256 = verified->sha256;
    return delivery;
  }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    auto request = request_for(params, context);
    PlanResult plan;
    std::string what = request.options.paths.empty() ? std::string("the baseline's paths") : comma_joined(request.options.paths);
    if (auto* facts = delivered_facts(params)) {
      plan.changes.push_back("nothing changes; compares " + what + " with the baseline of " + text(*facts, "host") + " recorded " +
                             text(*facts, "time") + " (signature checked on the controller)" +
                             (request.options.packages ? " and with the package database" : ""));
      return plan;
    }
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
    auto request = request_for(params, context);
    request.options.stop = [&context] { return context.should_stop(); };
    if (context.progress)
      request.options.progress = [&context](const HashingProgress& p) {
        context.progress->progress(p.files_hashed, p.files_expected, "files", describe(p));
      };
    Result<CompareOutcome> outcome = Error{};
    if (auto* facts = delivered_facts(params)) {
      auto contents = delivered_baseline(*facts, context);
      if (!contents) return contents.error();
      outcome = compare_with(&*contents, request);
    } else {
      outcome = run_comparison(request, context.config);
    }
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
