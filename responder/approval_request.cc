#include "responder/approval_request.h"

#include <charconv>

#include "responder/journal_record_kind.h"
#include "responder/sha256.h"

namespace responder {

std::string ApprovalRequest::head() const { return std::to_string(head_seq) + ":" + head_sha256; }

std::string ApprovalRequest::text() const {
  return "responder approval v1\nincident: " + incident + "\nstep: " + step + "\nplan-sha256: " + plan_sha256 +
         "\njournal-head: " + head() + "\napprover: " + approver + "\n";
}

namespace {
bool is_hex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}
}  // namespace

bool parse_journal_head(const std::string& head, std::uint64_t& seq, std::string& sha256) {
  auto colon = head.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  auto [end, ec] = std::from_chars(head.data(), head.data() + colon, seq);
  if (ec != std::errc() || end != head.data() + colon || seq == 0) return false;
  sha256 = head.substr(colon + 1);
  return is_hex64(sha256);
}

Result<ApprovalRequest> parse_approval_request(const std::string& text) {
  ApprovalRequest r;
  const char* fields[] = {"incident: ", "step: ", "plan-sha256: ", "journal-head: ", "approver: "};
  std::string values[5];
  std::size_t pos = 0;
  auto next_line = [&](std::string& out) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) return false;
    out = text.substr(pos, end - pos);
    pos = end + 1;
    return true;
  };
  std::string line;
  if (!next_line(line) || line != "responder approval v1")
    return bad_input("not an approval request: the first line must be 'responder approval v1'");
  for (int i = 0; i < 5; ++i) {
    if (!next_line(line) || line.rfind(fields[i], 0) != 0)
      return bad_input("approval request line " + std::to_string(i + 2) + " must start with '" + fields[i] + "'");
    values[i] = line.substr(std::string(fields[i]).size());
  }
  if (pos != text.size()) return bad_input("approval request has text after the approver line");
  r.incident = values[0];
  r.step = values[1];
  r.plan_sha256 = values[2];
  r.approver = values[4];
  if (!is_hex64(r.plan_sha256)) return bad_input("approval request: plan-sha256 is not a hex SHA-256");
  if (!parse_journal_head(values[3], r.head_seq, r.head_sha256))
    return bad_input("approval request: journal-head is not SEQ:SHA256");
  if (r.text() != text) return bad_input("approval request is not in canonical form");
  return r;
}

std::string plan_sha256(const JournalRecord& planned) {
  json::value detail = json::object{};
  if (auto* d = planned.fields.if_contains("detail")) detail = *d;
  return sha256_hex(to_json_text(detail));
}

const JournalRecord* latest_plan(const JournalContents& contents, const std::string& step) {
  for (auto it = contents.records.rbegin(); it != contents.records.rend(); ++it) {
    // An earlier attempt's plan is not this attempt's (incident.reopened).
    if (it->kind == record_kind::incident_reopened) return nullptr;
    if (it->kind == record_kind::step_planned && it->text("step") == step) return &*it;
  }
  return nullptr;
}

Result<ApprovalRequest> current_request(const std::string& incident, const JournalContents& contents,
                                        const std::string& step, const std::string& approver) {
  const JournalRecord* plan = latest_plan(contents, step);
  if (!plan)
    return bad_input("step '" + step + "' has no plan yet, and an approval signs the plan: approve once `responder status " +
                     incident + "` shows it waiting for approval");
  ApprovalRequest r;
  r.incident = incident;
  r.step = step;
  r.plan_sha256 = plan_sha256(*plan);
  r.head_seq = contents.records.back().seq;
  r.head_sha256 = contents.records.back().hash;
  r.approver = approver;
  return r;
}

}  // namespace responder
