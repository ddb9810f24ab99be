#include "responder/approval_tally.h"

#include <algorithm>

#include "responder/approval_request.h"
#include "responder/journal_record_kind.h"
#include "responder/ssh_signature.h"

namespace responder {
namespace {

const JournalRecord* record_at(const JournalContents& contents, std::uint64_t seq) {
  if (seq == 0 || seq > contents.records.size()) return nullptr;
  const JournalRecord& r = contents.records[seq - 1];
  return r.seq == seq ? &r : nullptr;
}

std::string short_hash(const std::string& hex) { return hex.substr(0, 12); }

}  // namespace

std::string approval_problem(const Approvers& approvers, const std::string& incident, const JournalContents& contents,
                             const JournalRecord& approval, const std::string& current_plan, SignatureVerdicts* verdicts) {
  std::string by = approval.text("by");
  std::string step = approval.text("step");
  auto it = approvers.find(by);
  if (it == approvers.end()) return "'" + by + "' is not one of the approvers: in the configuration";
  const Approver& approver = it->second;
  std::string plan = approval.text("plan_sha256");
  if (plan.empty()) return "the approval names no plan (made before approvers: were configured?)";
  if (plan != current_plan)
    return "it approved plan " + short_hash(plan) + ", and the step's plan is now " + short_hash(current_plan) +
           " (re-planned): approve the new plan";
  std::string signature = approval.text("signature");
  if (signature.empty()) {
    if (!approver.ssh_keys.empty()) return by + " has an SSH key in approvers: and this approval is not signed with it";
    if (approval.text("os_user") != approver.os_user)
      return "made by OS user '" + approval.text("os_user") + "', and " + by + " is OS user '" + approver.os_user + "'";
    return "";
  }
  if (approver.ssh_keys.empty()) return by + " has no SSH key in approvers:, so a signature cannot be checked";
  std::uint64_t head_seq = 0;
  std::string head_sha;
  if (!parse_journal_head(approval.text("head"), head_seq, head_sha)) return "its journal head is not SEQ:SHA256";
  const JournalRecord* head = record_at(contents, head_seq);
  if (!head || head_seq >= approval.seq || head->hash != head_sha)
    return "it signed journal head " + std::to_string(head_seq) + ":" + short_hash(head_sha) +
           ", which is not a record of this journal before the approval";
  bool planned_by_then = std::any_of(contents.records.begin(), contents.records.begin() + static_cast<long>(head_seq),
                                     [&](const JournalRecord& r) {
                                       return r.kind == record_kind::step_planned && r.text("step") == step && plan_sha256(r) == plan;
                                     });
  if (!planned_by_then) return "it signed journal head " + std::to_string(head_seq) + ", before that plan was journaled";
  ApprovalRequest request{incident, step, plan, head_seq, head_sha, by};
  const Status* cached = nullptr;
  if (verdicts)
    if (auto found = verdicts->find(approval.hash); found != verdicts->end()) cached = &found->second;
  Status verdict = cached ? *cached
                          : ssh_verify(allowed_signers_text(approvers), by, kApprovalNamespace, signature, request.text());
  // A failure to run ssh-keygen at all is not remembered: it may work next time.
  if (verdicts && !cached && (verdict || verdict.error().kind == ErrorKind::refused)) (*verdicts)[approval.hash] = verdict;
  if (!verdict) return verdict.error().message;
  return "";
}

ApprovalTally tally_approvals(const Approvers& approvers, const std::string& incident, const JournalContents& contents,
                              const std::string& step, SignatureVerdicts* verdicts) {
  ApprovalTally tally;
  tally.authenticated = !approvers.empty();
  if (const JournalRecord* plan = latest_plan(contents, step)) tally.plan_sha256 = plan_sha256(*plan);
  // Approvals count for the current attempt only: those given before an
  // incident.reopened approved another attempt's plan.
  std::size_t first = 0;
  for (std::size_t i = 0; i < contents.records.size(); ++i)
    if (contents.records[i].kind == record_kind::incident_reopened) first = i;
  for (std::size_t i = first; i < contents.records.size(); ++i) {
    const JournalRecord& r = contents.records[i];
    if (r.kind != record_kind::approval || r.text("step") != step) continue;
    std::string by = normalise_approver_name(r.text("by"));
    if (tally.authenticated) {
      std::string problem = approval_problem(approvers, incident, contents, r, tally.plan_sha256, verdicts);
      if (!problem.empty()) {
        tally.refused.push_back({r.seq, by, problem});
        continue;
      }
    }
    if (std::find(tally.approvers.begin(), tally.approvers.end(), by) == tally.approvers.end()) tally.approvers.push_back(by);
  }
  return tally;
}

}  // namespace responder
