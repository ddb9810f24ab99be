// The text an approver signs: fully determined by the journal, so that anyone
// can rebuild it later from the approval record and re-check the signature.
//
//   responder approval v1
//   incident: I-2031
//   step: block-attacker
//   plan-sha256: <hex SHA-256 of the step.planned record's `detail`, compact JSON>
//   journal-head: 17:<hex SHA-256 of journal line 17>
//   approver: alice
//
// (each line ends in '\n'). The plan hash ties the approval to one plan: a
// re-plan with a different detail needs new approvals. The head ties it to
// this journal at the time of signing; it may be older than the record that
// carries the approval, because the runner keeps appending meanwhile.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "responder/journal.h"
#include "responder/result.h"

namespace responder {

inline constexpr const char* kApprovalNamespace = "responder-approval";

struct ApprovalRequest {
  std::string incident;
  std::string step;
  std::string plan_sha256;
  std::uint64_t head_seq = 0;
  std::string head_sha256;
  std::string approver;

  std::string text() const;
  std::string head() const;  // "SEQ:HEX", as journaled
};

// Parses text() back; fails unless `text` is exactly canonical.
Result<ApprovalRequest> parse_approval_request(const std::string& text);
// Parses "SEQ:HEX".
bool parse_journal_head(const std::string& head, std::uint64_t& seq, std::string& sha256);

// The hex SHA-256 of a step.planned record's detail.
std::string plan_sha256(const JournalRecord& planned);

// The last step.planned record of `step`, if any.
const JournalRecord* latest_plan(const JournalContents& contents, const std::string& step);

// What `approver` signs now to approve `step`: its latest plan and the
// journal's last record. Fails (bad input) when the step has no plan yet.
Result<ApprovalRequest> current_request(const std::string& incident, const JournalContents& contents,
                                        const std::string& step, const std::string& approver);

}  // namespace responder
