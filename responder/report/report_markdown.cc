#include <sstream>

#include "responder/report/report_fields.h"
#include "responder/message_text.h"
#include "responder/report/report_formats.h"

namespace responder {
namespace {

using namespace report_fields;

// Text from the journal in a Markdown table cell or line: no line breaks,
// no table pipes, no inline HTML, no emphasis characters that would change
// what a reader sees.
std::string cell(const std::string& raw) {
  // Line breaks become spaces; every other control character (ESC, C1) is
  // escaped by one_line, so journal text cannot drive the terminal the
  // report is printed on.
  std::string flat = raw;
  for (auto& c : flat)
    if (c == '\n' || c == '\r') c = ' ';
  std::string text = one_line(flat);
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\n': case '\r': out += ' '; break;
      case '|': out += "\\|"; break;
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '`': case '*': case '_': case '[': case ']': case '\\': out += '\\'; out += c; break;
      default: out += c;
    }
  }
  return out.empty() ? "—" : out;
}

void table(std::ostringstream& out, const std::vector<std::string>& headers) {
  out << "|";
  for (auto& h : headers) out << " " << h << " |";
  out << "\n|";
  for (std::size_t i = 0; i < headers.size(); ++i) out << " --- |";
  out << "\n";
}

void row(std::ostringstream& out, const std::vector<std::string>& cells) {
  out << "|";
  for (auto& c : cells) out << " " << cell(c) << " |";
  out << "\n";
}

}  // namespace

std::string report_markdown(const json::object& report) {
  std::ostringstream out;
  const auto& meta = object(report, "report");
  const auto& summary = object(report, "summary");
  const auto& playbook = object(summary, "playbook");
  bool verified = flag(meta, "journal_verified");
  std::string banner = "> **UNVERIFIED JOURNAL** — this report was made with --force from a journal that failed "
                       "verification: " + cell(text(meta, "journal_problem")) + ". Nothing in it can be trusted.\n\n";
  std::string id = text(summary, "incident");
  out << "# Incident " << cell(id) << " — post-incident report" << (flag(summary, "drill") ? " (DRILL)" : "") << "\n\n";
  if (!verified) out << banner;
  out << "## Summary\n\n";
  out << "- **Playbook:** " << cell(text(playbook, "name")) << ", file " << cell(text(playbook, "file")) << ", SHA-256 "
      << cell(text(playbook, "sha256")) << "\n";
  if (!text(playbook, "description").empty()) out << "- **Purpose:** " << cell(text(playbook, "description")) << "\n";
  if (!text(playbook, "severity").empty()) out << "- **Severity:** " << cell(text(playbook, "severity")) << "\n";
  out << "- **Opened:** " << cell(text(summary, "opened")) << " by " << cell(text(summary, "opened_by")) << " on "
      << cell(text(summary, "controller")) << "\n";
  out << "- **Outcome:** " << cell(text(summary, "outcome")) << "; last record " << cell(text(summary, "last_record"))
      << " (" << duration_text(field(summary, "duration_seconds")) << " after the first)\n";
  const auto& counts = object(summary, "counts");
  out << "- **Steps:** " << text(counts, "steps") << " (" << text(counts, "applied") << " applied, " << text(counts, "failed")
      << " failed, " << text(counts, "skipped") << " skipped, " << text(counts, "undone") << " undone); containment changes "
      << text(counts, "containment_changes") << ", still in force " << text(counts, "still_in_force") << "; evidence items "
      << text(counts, "evidence_items") << "\n";
  out << "- **Journal:** " << text(summary, "records") << " records, head " << cell(text(meta, "journal_head"))
      << (verified ? ", chain verified" : ", FAILED VERIFICATION") << "\n\n";

  if (const auto* score = field(summary, "drill_score"); score && score->is_object()) {
    out << "## Drill score\n\n";
    out << "Scenario " << cell(text(score->as_object(), "scenario")) << ", scored " << cell(text(score->as_object(), "scored"))
        << ": **" << (flag(score->as_object(), "passed") ? "passed" : "failed") << "**. Times are from the journal and the lab's own counters.\n\n";
    for (auto& line : array(score->as_object(), "lines"))
      if (line.is_string()) out << "- " << cell(std::string(line.get_string())) << "\n";
    out << "\n";
  }
  out << "## Open items\n\n";
  const auto& open = array(report, "open_items");
  if (open.empty()) out << "None.\n";
  for (auto& item : open) out << "- " << cell(item.is_string() ? std::string(item.as_string()) : display(item)) << "\n";
  out << "\n";

  out << "## Timeline (UTC)\n\n";
  table(out, {"#", "time", "stage", "what", "by"});
  for (auto& e : array(report, "timeline")) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    row(out, {text(o, "seq"), text(o, "time"), text(o, "stage"), text(o, "text"), text(o, "actor")});
  }
  out << "\n## Steps\n\n";
  table(out, {"step", "host", "stage", "module", "status", "applied", "changes"});
  for (auto& e : array(report, "steps")) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    std::string status = text(o, "status");
    if (!text(o, "error").empty()) status += ": " + text(o, "error");
    row(out, {text(o, "step"), text(o, "host"), text(o, "stage"), text(o, "module"), status, text(o, "applied"),
              joined(array(o, "changes"))});
  }

  out << "\n## Containment\n\n";
  const auto& containment = array(report, "containment");
  if (containment.empty()) out << "Nothing was contained.\n";
  else table(out, {"step", "host", "what", "in effect", "released", "for"});
  for (auto& e : containment) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    std::string released = flag(o, "in_force") ? "STILL IN FORCE" : text(o, "released");
    if (!text(o, "undo_error").empty()) released += " (undo failed: " + text(o, "undo_error") + ")";
    row(out, {text(o, "step"), text(o, "host"), joined(array(o, "changes")), text(o, "applied"), released,
              duration_text(field(o, "seconds")) + (flag(o, "in_force") ? " so far" : "")});
  }

  out << "\n## Approvals\n\n";
  const auto& approvals = array(report, "approvals");
  if (approvals.empty()) out << "No step needed approval.\n";
  else table(out, {"step", "by", "time", "authenticated", "counted"});
  for (auto& e : approvals) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    std::string counted = text(o, "counted").empty() ? "not checked" : (flag(o, "counted") ? "yes" : "no: " + text(o, "refused_because"));
    row(out, {text(o, "step"), text(o, "by"), text(o, "time"), flag(o, "authenticated") ? "yes" : "no", counted});
  }

  out << "\n## Notifications\n\n";
  const auto& notes = array(report, "notifications");
  if (notes.empty()) out << "No notification was sent.\n";
  else table(out, {"step", "time", "status", "what", "acknowledged by"});
  for (auto& e : notes) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    row(out, {text(o, "step"), text(o, "time"), text(o, "status"), joined(array(o, "changes")), joined(array(o, "acknowledged_by"), ", ")});
  }

  out << "\n## Evidence\n\n";
  const auto& evidence = object(report, "evidence");
  const auto& items = array(evidence, "items");
  if (items.empty()) out << "No evidence was collected.\n";
  else table(out, {"item", "host", "source", "SHA-256", "bytes", "collected"});
  for (auto& e : items) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    row(out, {text(o, "path"), text(o, "host"), text(o, "source"), text(o, "sha256"), text(o, "size"), text(o, "time")});
  }
  const auto& seal = object(evidence, "seal");
  if (seal.empty()) out << "\nThe evidence is **not sealed**.\n";
  else
    out << "\nSealed at " << cell(text(seal, "time")) << " by step " << cell(text(seal, "step")) << ": Merkle root "
        << cell(text(seal, "merkle_root")) << ", public key SHA-256 " << cell(text(seal, "public_key_sha256")) << ".\n";

  out << "\n## Patch compliance\n\n";
  const auto& patches = array(report, "patch_compliance");
  if (patches.empty()) out << "No patch was released in this incident.\n";
  else table(out, {"host", "state", "version", "time"});
  for (auto& e : patches) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    row(out, {text(o, "host"), text(o, "state"), text(o, "version"), text(o, "time")});
  }

  out << "\n## Change requests\n\n";
  const auto& crs = array(report, "change_requests");
  if (crs.empty()) out << "No emergency change was made.\n";
  for (auto& e : crs) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    out << "### " << cell(text(o, "id")) << ": " << cell(text(o, "title")) << "\n\n";
    out << "- **Reason:** " << cell(text(o, "reason")) << "\n";
    out << "- **What changed:** " << cell(joined(array(o, "changes"))) << "\n";
    out << "- **When, by whom:** " << cell(text(o, "applied")) << ", " << cell(text(o, "by"));
    if (!array(o, "approved_by").empty()) out << ", approved by " << cell(joined(array(o, "approved_by"), ", "));
    out << "\n- **Testing done:** " << cell(text(o, "testing")) << "\n";
    out << "- **Testing skipped:** " << cell(text(o, "testing_skipped")) << "\n";
    out << "- **Backout plan:** " << cell(text(o, "backout")) << "\n";
    out << "- **State:** " << cell(text(o, "state")) << "\n\n";
  }

  out << "## Damage and cost\n\n";
  const auto& cost = object(report, "cost");
  std::string currency = text(cost, "currency");
  const auto& assets = array(cost, "assets");
  if (assets.empty() && array(cost, "effort").empty()) out << "No asset list or recovery effort was given (`--review FILE`).\n";
  if (!assets.empty()) table(out, {"asset", "downtime", "per hour", "cost"});
  for (auto& e : assets) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    row(out, {text(o, "name"), duration_text(field(o, "downtime_seconds")) + (flag(o, "ongoing") ? " (ongoing)" : ""),
              money(field(o, "cost_per_hour")) + " " + currency, money(field(o, "cost")) + " " + currency});
  }
  if (!array(cost, "effort").empty()) {
    out << "\n";
    table(out, {"recovery effort", "hours", "per hour", "cost"});
  }
  for (auto& e : array(cost, "effort")) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    row(out, {text(o, "by") + (text(o, "what").empty() ? "" : ": " + text(o, "what")), number_text(field(o, "hours")),
              money(field(o, "cost_per_hour")) + " " + currency, money(field(o, "cost")) + " " + currency});
  }
  out << "\n**Total: " << money(field(cost, "total")) << " " << cell(currency) << "** (downtime counted until "
      << cell(text(cost, "as_of")) << ")\n\n";

  out << "## Exploited weaknesses to add to scanning\n\n";
  const auto& weak = array(report, "weaknesses");
  if (weak.empty()) out << "None entered.\n";
  for (auto& w : weak) out << "- " << cell(w.is_string() ? std::string(w.as_string()) : display(w)) << "\n";
  out << "\n## Questions for the review\n\n";
  for (auto& q : array(report, "questions")) out << "- " << cell(q.is_string() ? std::string(q.as_string()) : display(q)) << "\n";
  out << "\n";
  if (!verified) out << banner;
  return out.str();
}

}  // namespace responder
