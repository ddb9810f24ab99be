// Which approvals of a step count, decided from the journal and the
// configuration each time they are counted (the runner and `status`), so an
// approval record edited after it was appended does not count.
//
// With `approvers:` configured an approval counts when it names a configured
// approver and
//   - for an approver with an SSH key: it carries a signature that
//     ssh-keygen verifies for that approver over the request rebuilt from
//     the record (approval_request.h); its plan is the step's current plan;
//     its journal head is a record of this journal, older than the approval,
//     with that hash, and the plan was journaled at or before that head;
//   - for an approver with only os_user: the record's os_user is theirs and
//     its plan is the step's current plan.
// Two approvals count as two only when two different approvers made them.
// Without `approvers:` every approval of the step counts, by its normalised
// name, and the tally says it is unauthenticated.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "responder/approvers.h"
#include "responder/journal.h"

namespace responder {

struct RefusedApproval {
  std::uint64_t seq = 0;  // the approval record
  std::string by;
  std::string reason;
};

struct ApprovalTally {
  bool authenticated = false;
  std::string plan_sha256;              // the step's current plan; empty before it is planned
  std::vector<std::string> approvers;   // counted, distinct, in order
  std::vector<RefusedApproval> refused;
};

// Signature checks by record hash, so that a waiting runner re-reading the
// journal runs ssh-keygen once per approval record.
using SignatureVerdicts = std::map<std::string, Status>;

// Checks one approval record against the journal before it (also used by
// `approve` before appending). Empty when it counts, else the reason.
std::string approval_problem(const Approvers& approvers, const std::string& incident, const JournalContents& contents,
                             const JournalRecord& approval, const std::string& current_plan,
                             SignatureVerdicts* verdicts = nullptr);

ApprovalTally tally_approvals(const Approvers& approvers, const std::string& incident, const JournalContents& contents,
                              const std::string& step, SignatureVerdicts* verdicts = nullptr);

// The line every place that counts unauthenticated approvals shows.
inline constexpr const char* kUnauthenticatedWarning =
    "approvals are unauthenticated: the configuration has no approvers:, so anyone who can run `responder approve` "
    "can approve under any name";

}  // namespace responder
