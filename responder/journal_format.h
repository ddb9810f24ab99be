// The incident journal format, documented in one place.
//
// incidents/<ID>/journal.jsonl is a chained log (chained_log/format.h states
// the line format, the hash chain, and what writers and readers guarantee).
// Every record starts with these keys, in this order:
//
//   seq    1, 2, 3, ...  (no gaps)
//   time   UTC, RFC 3339 with milliseconds: "2026-11-23T18:09:00.123Z"
//   actor  who caused it: SUDO_USER, the login name, or `--as NAME`
//   kind   what happened (below)
//   prev   hex SHA-256 of the previous line's bytes, without its '\n';
//          64 zeros for the first record
//
// followed by the kind's payload keys. Kinds written by the engine:
//
//   incident.opened   playbook (file, name, sha256, text), variables, allow,
//                     config path, host
//   incident.reopened the same, and attempt (2, 3, ...): `run` again of an
//                     incident whose earlier attempts changed nothing (bad
//                     input before any step started); what came before it
//                     stays in the journal, and the incident's state starts
//                     again from it
//   incident.variables_changed
//                     variables (the new values), previous (the old ones):
//                     `resume --var K=V`, allowed only while no step has
//                     acted on the old value (variable_change.h)
//   run.started       resumed: bool
//   stage.started     stage
//   step.planned      step, stage, module, attempt, params, changes, detail
//                     (a step that needs approval is planned first, then
//                     waits: approvals are for this detail)
//   step.skipped      step, stage, when
//   approval.waiting  step, needed, approved_by, authenticated (bool), and
//                     plan_sha256 when authenticated
//   approval          step, by (the approver's name, normalised: trimmed,
//                     whitespace collapsed, lower-case), os_user (the real
//                     uid's user, or SUDO_USER under sudo); with approvers:
//                     configured also plan_sha256 (of the approved
//                     step.planned detail), and for an approver with an SSH
//                     key: head ("SEQ:SHA256" of the journal's last record
//                     when signing) and signature (armored SSHSIG, namespace
//                     responder-approval, over the text approval_request.h
//                     rebuilds from these fields). Re-verified wherever
//                     approvals are counted (approval_tally.h).
//   step.started      step, attempt
//   step.applied      step, attempt, receipt {undo, output, changes}, recovered
//   step.verified     step, detail
//   step.failed       step, attempt, error, error_kind, final, timed_out
//   step.retry        step, attempt, delay_ms
//   step.confirmed    step, receipt (replaces the applied receipt)
//   step.reconciled   step, host, error (when reconciling failed), ended (a
//                     change over by its own design, left alone)
//   undo.started      step, reason
//   step.undone       step, verified (what the module's verify read back
//                     after the undo; null when that check failed),
//                     still_in_effect (the state it guards is still shown)
//   undo.failed       step, error
//   channel.compromised channel, reason: nothing more is sent over that
//                     notification channel in this incident
//   notify.acked      step, contact, token_sha256: a recipient acknowledged
//                     a notification (`responder ack ID TOKEN`)
//   host.prepared     host, transport, version_before, version_after (null
//                     when no responder answered), package_sha256, outcome
//                     ("current" | "installed" | "failed" | "unreachable"),
//                     detail: what `responder hosts prepare --incident ID`
//                     did to one host, appended once that host is done
//   run.interrupted   reason
//   run.finished      outcome ("completed" | "failed" | "aborted" | "refused")
//
// Writers append through chained_log::Writer: one whole line per record,
// under an exclusive flock(2), fdatasync'd before anyone acts on what the
// record says. A crash leaves at most one torn last line (no '\n'): readers
// report it and ignore it, and the next writer copies its bytes to
// journal.torn.<offset> (fsync'd) before cutting it off, so nothing is lost.
// The kinds' names are the constants in journal_record_kind.h.
//
// Trust: every command that acts on or reports from a journal verifies the
// chain first (verify_journal) and refuses a journal with any break other
// than a torn last line (incident_home.h). The head of the journal,
// "SEQ:SHA256" of its last record, is printed by `run` and `status` as a
// witness to keep elsewhere: a chain cannot show that its tail was cut or
// rewritten, a witness can (`journal ID --verify --witness SEQ:SHA256`).
//
// Modes: the incident directory is 0750 and the journal 0640; in a home
// directory with the set-group-ID bit (shared on purpose with a group of
// approvers) the directory is 02750: the group may read, only root writes.
#pragma once

namespace responder {

inline constexpr const char* kJournalFileName = "journal.jsonl";

}  // namespace responder
