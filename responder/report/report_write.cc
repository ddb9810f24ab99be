// report.write: the post-incident report as the journal stands when the step
// runs. Each is written as a new file into incidents/<ID>/reports/, never
// over an earlier one, so every report a run made stays as it was; the
// latest is also incidents/<ID>/report.<format> (replaced atomically). Its
// output (register:) names the files and the figures later steps may act on.
#include <sys/stat.h>

#include "responder/config.h"
#include "responder/durable_file.h"
#include "responder/journal.h"
#include "responder/record_module.h"
#include "responder/report/incident_report.h"
#include "responder/report/report_formats.h"
#include "responder/sha256.h"

namespace responder {
namespace {

Result<std::vector<std::string>> formats_of(const json::object& params) {
  std::vector<std::string> out;
  for (auto& f : params.at("format").as_array()) {
    std::string format(f.as_string());
    if (format != "md" && format != "html" && format != "json")
      return bad_input("format: '" + format + "' is not md, html or json (pdf: responder report ID --format pdf)");
    bool seen = false;
    for (auto& o : out) seen = seen || o == format;
    if (!seen) out.push_back(format);
  }
  if (out.empty()) return bad_input("format: name at least one of md, html, json");
  return out;
}

std::filesystem::path review_path(const json::object& params, const StepContext& context) {
  auto* v = params.if_contains("review");
  if (!v || !v->is_string()) return {};
  std::filesystem::path path(std::string(v->as_string()));
  if (path.is_relative() && !context.playbook_dir.empty()) path = context.playbook_dir / path;
  return path;
}

class ReportWrite final : public RecordModule {
 public:
  ReportWrite() : RecordModule("the report is in the incident's reports/ folder", "no report was written") {}
  std::string_view name() const override { return "report.write"; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    auto formats = formats_of(params);
    if (!formats) return formats.error();
    auto review = review_path(params, context);
    if (!review.empty()) {
      auto loaded = load_review_input(review.string());
      if (!loaded) return loaded.error();
    }
    PlanResult plan;
    plan.changes.push_back("write the post-incident report (" + comma_joined(*formats) + ") from the journal into report.FORMAT, a copy kept in reports/" +
                           (review.empty() ? "" : ", with the costs and notes of " + review.string()));
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    if (!context.incident || context.incident_dir.empty())
      return bad_input("report.write runs inside an incident's run (responder report ID makes one at any time)");
    auto formats = formats_of(params);
    if (!formats) return formats.error();
    ReviewInput review;
    if (auto path = review_path(params, context); !path.empty()) {
      auto loaded = load_review_input(path.string());
      if (!loaded) return loaded.error();
      review = std::move(*loaded);
    }
    auto contents = context.incident->journal();
    if (!contents) return contents.error();
    if (contents->records.empty()) return failure("the journal is empty");
    ReportJournal journal;
    journal.contents = &*contents;
    journal.incident_id = context.incident_id;
    const auto& last = contents->records.back();
    journal.head_witness = JournalWitness{last.seq, last.hash}.text();
    journal.description = context.incident->playbook_description();
    journal.severity = context.incident->playbook_severity();
    journal.drill = context.incident->drill();
    if (context.config) journal.approvers = &context.config->approvers;
    journal.written_by_step = context.step_id;
    auto document = build_incident_report(journal, review);
    if (!document) return document.error();

    auto dir = context.incident_dir / "reports";
    ::mkdir(dir.c_str(), 0750);
    if (!std::filesystem::is_directory(dir)) return failure("cannot make " + dir.string());
    Receipt receipt;
    json::object files;
    std::string base = context.step_id + "-" + std::to_string(last.seq);
    for (auto& format : *formats) {
      std::string text = format == "json" ? to_json_text(*document) + "\n"
                         : format == "md" ? report_markdown(*document)
                                          : report_html(*document);
      auto path = dir / (base + "." + format);
      if (auto written = write_new_file(path, text, 0640); !written)
        return failure("cannot write " + path.string() + ": " + written.error().message);
      auto latest = context.incident_dir / ("report." + format);
      if (auto written = write_file_atomically(latest, text, 0640); !written)
        return failure("cannot write " + latest.string() + ": " + written.error().message);
      files[format] = json::object{{"path", (std::filesystem::path("reports") / path.filename()).string()},
                                   {"sha256", sha256_hex(text)},
                                   {"bytes", text.size()}};
      receipt.changes.push_back("wrote the " + format + " report as reports/" + path.filename().string() + " and report." +
                                format + " (" + std::to_string(last.seq) + " journal records)");
    }
    const auto& counts = document->at("summary").at("counts").as_object();
    receipt.output = json::object{{"files", std::move(files)},
                                  {"journal_head", journal.head_witness},
                                  {"open_items", document->at("open_items").as_array().size()},
                                  {"still_in_force", counts.at("still_in_force")},
                                  {"cost_total", document->at("cost").at("total")}};
    return receipt;
  }
};

RESPONDER_MODULE(ReportWrite);

}  // namespace
}  // namespace responder
