// evidence.capture: volatile state, most volatile first, each artifact one
// JSON Lines item whose every record carries the time it was read. Run it
// before a containment step changes the machine.
#include <algorithm>

#include "forensics/evidence/evidence_artifacts.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/evidence_time.h"
#include "forensics/evidence/evidence_writer.h"
#include "responder/record_module.h"

namespace responder::evidence {
namespace {

std::vector<const ArtifactReader*> chosen(const json::object& params) {
  std::vector<std::string> names;
  for (auto& v : params.at("artifacts").get_array()) names.emplace_back(v.get_string());
  std::vector<const ArtifactReader*> readers;
  for (auto& reader : artifact_readers())
    if (std::find(names.begin(), names.end(), reader.name) != names.end()) readers.push_back(&reader);
  return readers;
}

class EvidenceCapture final : public RecordModule {
 public:
  EvidenceCapture() : RecordModule("the capture is in the evidence", "no record of the capture") {}
  std::string_view name() const override { return "evidence.capture"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    PlanResult plan;
    json::array names;
    for (auto* r : chosen(params)) {
      plan.changes.push_back(std::string("read ") + r->name + " from " + r->source + " into the evidence as " +
                             r->name + ".jsonl");
      names.emplace_back(r->name);
    }
    plan.detail["artifacts"] = std::move(names);
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    ArtifactRequest request;
    if (auto* pids = params.if_contains("pids"); pids && pids->is_array())
      for (auto& p : pids->get_array()) request.pids.push_back(static_cast<int>(p.to_number<std::int64_t>()));
    Receipt receipt;
    json::array items;
    auto readers = chosen(params);
    std::size_t done = 0;
    for (auto* reader : readers) {
      if (context.should_stop()) return interruption(std::string("capture interrupted before ") + reader->name);
      if (context.progress) context.progress->progress(done, readers.size(), "artifacts", reader->name);
      auto writer = EvidenceWriter::begin(context, std::string(reader->name) + ".jsonl", false);
      if (!writer) return writer.error();
      std::size_t records = 0, errors = 0;
      Status written;
      std::string from = now_utc_ns();
      reader->read(request, [&](json::object record) {
        if (!written) return;
        // read_at first, so a reader of the file sees it before the record.
        json::object line;
        line["read_at"] = now_utc_ns();
        for (auto& [k, v] : record) line[k] = std::move(v);
        errors += line.contains("error");
        ++records;
        written = (*writer)->write(to_json_text(line) + "\n");
      });
      if (!written) return written.error();
      json::object metadata;
      metadata["artifact"] = reader->name;
      metadata["read_from"] = from;
      metadata["read_to"] = now_utc_ns();
      metadata["records"] = records;
      metadata["error_records"] = errors;
      auto item = (*writer)->finish(std::string("live system: ") + reader->source, metadata,
                                    "evidence.capture: live read, JSON Lines, each record stamped read_at (UTC ns)");
      if (!item) return item.error();
      json::object o;
      o["artifact"] = reader->name;
      o["path"] = item->path;
      o["sha256"] = item->sha256;
      o["records"] = records;
      items.emplace_back(std::move(o));
      receipt.changes.push_back(std::string("captured ") + reader->name + ": " + std::to_string(records) +
                                " records as " + item->path + (errors ? " (" + std::to_string(errors) + " could not be read)" : ""));
      if (item->write_once != "immutable") receipt.changes.push_back("WARNING: " + item->path + " write-once " + item->write_once);
      ++done;
    }
    receipt.output["items"] = std::move(items);
    return receipt;
  }
};

RESPONDER_MODULE(EvidenceCapture);

}  // namespace
}  // namespace responder::evidence
