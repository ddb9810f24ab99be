// traffic.analyze: what the traffic shows (attack types, distributed or
// targeted, sources, targets, ports, recommendation, BPF signature). Reads
// only; nothing to undo. The conclusion is the step's registered output.
#include "forensics/traffic/traffic_analysis.h"
#include "responder/duration.h"
#include "responder/record_module.h"

namespace responder::traffic {
namespace {

std::vector<std::filesystem::path> capture_files(const json::object& params) {
  std::vector<std::filesystem::path> files;
  if (auto* list = params.if_contains("pcap"))
    for (auto& f : list->as_array()) files.emplace_back(std::string(f.as_string()));
  return files;
}

Result<Duration> capture_duration(const json::object& params) {
  return duration_param(params, "duration", std::chrono::seconds(30));
}

class TrafficAnalyze final : public RecordModule {
 public:
  TrafficAnalyze() : RecordModule("analysis recorded", "analysis not yet recorded") {}
  std::string_view name() const override { return "traffic.analyze"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    PlanResult plan;
    auto files = capture_files(params);
    if (!files.empty()) {
      json::array names;
      for (auto& f : files) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(f, ec)) return bad_input("capture " + f.string() + " is not a readable file");
        names.emplace_back(f.string());
      }
      plan.detail["pcap"] = std::move(names);
      plan.changes.push_back("nothing changes; reads " + std::to_string(files.size()) + " capture file(s) and concludes");
    } else {
      auto d = capture_duration(params);
      if (!d) return d.error();
      std::string interface(params.at("interface").as_string());
      plan.detail["interface"] = interface;
      plan.changes.push_back("nothing changes; listens on " + interface + " for " + format_duration(*d) + " and concludes");
    }
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    AnalysisOptions options;
    options.context = &context;
    Result<Finding> finding = failure("unreachable");
    auto files = capture_files(params);
    if (!files.empty()) {
      finding = analyze_captures(files, options);
    } else {
      auto d = capture_duration(params);
      if (!d) return d.error();
      std::string filter = params.contains("filter") ? std::string(params.at("filter").as_string()) : "";
      finding = analyze_interface(std::string(params.at("interface").as_string()), *d, filter, options);
    }
    if (!finding) return finding.error();
    Receipt receipt;
    receipt.output = finding->to_json();
    std::string line = "traffic analysis: " + finding->kind;
    for (auto& a : finding->attacks) line += ", " + a.type;
    line += "; recommendation " + finding->recommendation;
    receipt.changes.push_back(line);
    if (auto* warnings = finding->capture.if_contains("warnings"); warnings && warnings->is_array())
      for (auto& w : warnings->get_array())
        if (w.is_string()) receipt.changes.push_back("WARNING: " + std::string(w.get_string()) + "; what came before it is counted");
    return receipt;
  }

};

RESPONDER_MODULE(TrafficAnalyze);

}  // namespace
}  // namespace responder::traffic
