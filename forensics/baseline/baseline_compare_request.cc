#include "forensics/baseline/baseline_compare_request.h"

#include <optional>

#include "forensics/baseline/signed_baseline_file.h"

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
  return compare_with(contents ? &*contents : nullptr, request);
}

Result<CompareOutcome> compare_with(const BaselineContents* baseline, const CompareRequest& request) {
  auto comparison = compare_host(baseline, request.options);
  if (!comparison) return comparison.error();
  CompareOutcome outcome{std::move(*comparison), {}};
  outcome.verdict = decide_verdict(outcome.comparison);
  return outcome;
}

}  // namespace responder::baseline
