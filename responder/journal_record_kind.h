// The kinds of incident journal records (journal_format.h says what each
// carries), named once for the writers and every reader.
#pragma once

#include <string_view>

namespace responder::record_kind {

inline constexpr std::string_view incident_opened = "incident.opened";
inline constexpr std::string_view incident_reopened = "incident.reopened";
// `resume --var K=V` corrected variables no step had acted on:
// {variables: {K: new}, previous: {K: old}}.
inline constexpr std::string_view variables_changed = "incident.variables_changed";
inline constexpr std::string_view run_started = "run.started";
inline constexpr std::string_view run_interrupted = "run.interrupted";
inline constexpr std::string_view run_finished = "run.finished";
inline constexpr std::string_view stage_started = "stage.started";
inline constexpr std::string_view step_hosts = "step.hosts";
inline constexpr std::string_view step_planned = "step.planned";
inline constexpr std::string_view step_skipped = "step.skipped";
inline constexpr std::string_view approval_waiting = "approval.waiting";
inline constexpr std::string_view approval = "approval";
inline constexpr std::string_view step_started = "step.started";
inline constexpr std::string_view step_applied = "step.applied";
inline constexpr std::string_view step_verified = "step.verified";
inline constexpr std::string_view step_failed = "step.failed";
inline constexpr std::string_view host_unreachable = "host.unreachable";
inline constexpr std::string_view step_retry = "step.retry";
// A batch of a step's hosts in the module's order (a canary, a wave) has
// answered: {step, wave, hosts, failed, held, outcome: passed | halted}.
inline constexpr std::string_view step_wave = "step.wave";
inline constexpr std::string_view step_confirmed = "step.confirmed";
inline constexpr std::string_view step_reconciled = "step.reconciled";
inline constexpr std::string_view undo_started = "undo.started";
inline constexpr std::string_view step_undone = "step.undone";
inline constexpr std::string_view undo_failed = "undo.failed";
inline constexpr std::string_view channel_compromised = "channel.compromised";
inline constexpr std::string_view notify_acked = "notify.acked";
inline constexpr std::string_view host_prepared = "host.prepared";
// A release step's hosts handed to Ansible ({step, dir, hosts, ...}): native
// runs leave them alone until their results are imported
// (release.imported, then each host's records marked `imported`) or
// responder takes them back ({step, hosts}).
inline constexpr std::string_view release_exported = "release.exported";
inline constexpr std::string_view release_imported = "release.imported";
inline constexpr std::string_view release_taken_back = "release.taken_back";
// `responder drill`'s measure of the rehearsal, from the journal and from the
// lab's own counters (drill_score.h): appended once the drill undid its
// containment and checked the lab.
inline constexpr std::string_view drill_scored = "drill.scored";

}  // namespace responder::record_kind
