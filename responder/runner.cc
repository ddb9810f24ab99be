#include "responder/runner.h"

#include <algorithm>
#include <optional>
#include <set>
#include <thread>

#include "responder/approval_request.h"
#include "responder/approval_tally.h"
#include "responder/exit_code.h"
#include "responder/interrupt.h"
#include "responder/journal_record_kind.h"
#include "responder/schema.h"
#include "responder/template.h"

namespace responder {

StepContext make_step_context(const RunSetup& setup, const std::string& step_id) {
  StepContext context;
  context.incident_id = setup.incident_id;
  context.step_id = step_id;
  context.actor = setup.environment->actor;
  context.incident_dir = setup.incident_dir;
  context.config = &setup.environment->config;
  context.safety = &setup.environment->safety;
  context.progress = setup.reporter;
  context.interrupted = &interrupt_requested();
  context.drill = setup.drill;
  if (setup.playbook) context.playbook_dir = std::filesystem::absolute(setup.playbook->file).parent_path();
  return context;
}

namespace {

std::string_view error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::failed: return "failed";
    case ErrorKind::bad_input: return "bad_input";
    case ErrorKind::refused: return "refused";
    case ErrorKind::interrupted: return "interrupted";
  }
  return "failed";
}

enum class StepOutcome { done, failed, refused, interrupted, journal_error };

class PlaybookDriver {
 public:
  PlaybookDriver(const RunSetup& setup, const IncidentState& state) : setup_(setup), state_(state) {
    scope_ = setup.variables;
    scope_["incident"] = json::object{{"id", setup.incident_id},
                                      {"home", setup.incident_dir.parent_path().string()},
                                      {"severity", setup.playbook->severity},
                                      {"playbook", setup.playbook->name}};
  }

  // A context for `step` that sees the templates' scope as it stands now.
  StepContext context_for(const Step& step) {
    StepContext context = make_step_context(setup_, step.id);
    context.scope = &scope_;
    return context;
  }

  int run() {
    setup_.reporter->set_incident(setup_.incident_id);
    if (!record(record_kind::run_started, {{"resumed", state_.records > 1}})) return kJournalFailure;
    bool any_failed = false;
    for (auto& stage : setup_.playbook->stages) {
      bool announced = false;
      for (auto& step : stage.steps) {
        const StepState* prior = state_.find(step.id);
        if (finished(step, prior)) continue;
        if (interrupt_requested()) {
          record(record_kind::run_interrupted, {{"reason", "interrupted before step " + step.id}});
          setup_.reporter->finished("interrupted; resume with `responder resume " + setup_.incident_id + "`", kExitInterrupted);
          return kExitInterrupted;
        }
        if (!announced) {
          setup_.reporter->stage(stage.name);
          if (!record(record_kind::stage_started, {{"stage", stage.name}})) return kJournalFailure;
          announced = true;
        }
        StepOutcome outcome = execute(step, prior);
        switch (outcome) {
          case StepOutcome::done: continue;
          case StepOutcome::journal_error: return kJournalFailure;
          case StepOutcome::interrupted:
            record(record_kind::run_interrupted, {{"reason", "interrupted during step " + step.id}});
            setup_.reporter->finished("interrupted; resume with `responder resume " + setup_.incident_id + "`", kExitInterrupted);
            return kExitInterrupted;
          case StepOutcome::refused:
            record(record_kind::run_finished, {{"outcome", "refused"}, {"step", step.id}});
            setup_.reporter->finished("refused at step " + step.id, kExitRefused);
            return kExitRefused;
          case StepOutcome::failed: {
            any_failed = true;
            if (step.on_failure == OnFailure::continue_run) continue;
            if (step.on_failure == OnFailure::undo_stage) undo_stage(stage.name);
            record(record_kind::run_finished, {{"outcome", "aborted"}, {"step", step.id}});
            // A step that found its parameters wrong (a unit or share that is
            // not there) is the playbook's error: exit 2, like validation.
            int code = last_failure_ == ErrorKind::bad_input ? kExitBadInput : kExitStepFailed;
            setup_.reporter->finished("aborted at step " + step.id, code);
            return code;
          }
        }
      }
    }
    std::string outcome = any_failed ? "failed" : "completed";
    if (!record(record_kind::run_finished, {{"outcome", outcome}})) return kJournalFailure;
    setup_.reporter->finished(outcome, any_failed ? kExitStepFailed : kExitSuccess);
    return any_failed ? kExitStepFailed : kExitSuccess;
  }

 private:
  // The journal could not take a record: the run stopped before acting on
  // it, as a failed step stops it.
  static constexpr int kJournalFailure = kExitStepFailed;
  ErrorKind last_failure_ = ErrorKind::failed;

  bool record(std::string_view kind, json::object payload) {
    auto r = setup_.journal->append(kind, setup_.environment->actor, std::move(payload));
    if (!r) {
      setup_.reporter->note("cannot write the journal: " + r.error().message + "; stopping before acting further");
      return false;
    }
    return true;
  }

  void register_output(const Step& step, const json::object& output) {
    if (!step.register_as.empty()) scope_[step.register_as] = output;
  }

  // True when the journal says this step needs nothing more; registers its
  // output for later steps.
  bool finished(const Step& step, const StepState* prior) {
    if (!prior) return false;
    switch (prior->status) {
      case StepStatus::skipped: return true;
      case StepStatus::verified:
      case StepStatus::undone:
        if (prior->receipt) register_output(step, prior->receipt->output);
        return true;
      case StepStatus::failed:
        // A final failure the playbook chose to continue past stays failed; an
        // aborted step is tried again when the run is resumed.
        if (prior->final_failure && step.on_failure == OnFailure::continue_run) {
          if (prior->receipt) register_output(step, prior->receipt->output);
          return true;
        }
        return false;
      default: return false;
    }
  }

  StepOutcome fail(const Step& step, int attempt, const Error& error, bool final, bool timed_out) {
    last_failure_ = error.kind;
    json::object payload{{"step", step.id},   {"attempt", attempt},         {"error", error.message},
                         {"error_kind", error_kind_name(error.kind)},       {"final", final},
                         {"timed_out", timed_out}};
    if (!record(record_kind::step_failed, std::move(payload))) return StepOutcome::journal_error;
    setup_.reporter->step(step.id, final ? "failed" : "failed (will retry)", error.message);
    if (error.kind == ErrorKind::interrupted && !timed_out) return StepOutcome::interrupted;
    if (!final) return StepOutcome::done;  // caller retries
    return error.kind == ErrorKind::refused ? StepOutcome::refused : StepOutcome::failed;
  }

  // Waits until `step.approval` distinct people approved the step's current
  // plan (approval_tally.h); reads approvals that `responder approve`
  // appends from other processes, and checks each where it is counted.
  // `own_plan_seq` is the step.planned record this runner wrote: approvals
  // count only for the plan that will be applied, never for one someone
  // else journaled after it.
  StepOutcome await_approvals(const Step& step, std::uint64_t own_plan_seq) {
    auto counted = current_tally(step, own_plan_seq);
    if (!counted) {
      setup_.reporter->note(counted.error().message + "; stopping before acting further");
      return StepOutcome::journal_error;
    }
    ApprovalTally tally = std::move(*counted);
    if (static_cast<int>(tally.approvers.size()) >= step.approval) return StepOutcome::done;
    json::object waiting{{"step", step.id},          {"stage", step.stage},
                         {"needed", step.approval},  {"approved_by", string_array(tally.approvers)},
                         {"authenticated", tally.authenticated}};
    if (tally.authenticated) waiting["plan_sha256"] = tally.plan_sha256;
    if (!record(record_kind::approval_waiting, std::move(waiting))) return StepOutcome::journal_error;
    if (!tally.authenticated) setup_.reporter->note(kUnauthenticatedWarning);
    setup_.reporter->waiting(step.id, step.approval, tally.approvers, tally.authenticated);
    while (true) {
      for (int i = 0; i < 5; ++i) {
        if (interrupt_requested()) return StepOutcome::interrupted;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      auto now = current_tally(step, own_plan_seq);
      if (!now) {
        setup_.reporter->note(now.error().message + "; stopping before acting further");
        return StepOutcome::journal_error;
      }
      bool changed = now->approvers != tally.approvers;
      tally = std::move(*now);
      if (static_cast<int>(tally.approvers.size()) >= step.approval) {
        setup_.reporter->step(step.id, "approved", "by " + comma_joined(tally.approvers));
        return StepOutcome::done;
      }
      if (changed) setup_.reporter->waiting(step.id, step.approval, tally.approvers, tally.authenticated);
    }
  }

  // The approvals that count now, from a verified journal whose latest plan
  // of the step is still the runner's own; says once why others do not.
  Result<ApprovalTally> current_tally(const Step& step, std::uint64_t own_plan_seq) {
    auto contents = read_verified_journal();
    if (!contents) return contents.error();
    const JournalRecord* latest = latest_plan(*contents, step.id);
    if (own_plan_seq && latest && latest->seq != own_plan_seq)
      return refusal("record " + std::to_string(latest->seq) + " plans step " + step.id +
                     " again, and this runner did not write it, so no approval of it counts");
    auto tally = tally_approvals(setup_.environment->config.approvers, setup_.incident_id, *contents, step.id, &verdicts_);
    report_refused(tally);
    return tally;
  }

  // Says once per record why an approval does not count.
  void report_refused(const ApprovalTally& tally) {
    for (auto& r : tally.refused)
      if (refused_reported_.insert(r.seq).second)
        setup_.reporter->note("approval by " + r.by + " (journal record " + std::to_string(r.seq) +
                              ") does not count: " + r.reason);
  }

  StepOutcome verify_applied(const Step& step, const Module& module, const json::object& params, const Receipt& receipt,
                             const json::object& planned, int attempt, bool just_applied = false) {
    StepContext context = context_for(step);
    context.planned = &planned;
    context.just_applied = just_applied;
    auto verification = module.verify(params, &receipt, planned, context);
    if (verification && verification->in_effect) {
      if (!record(record_kind::step_verified, {{"step", step.id}, {"detail", verification->detail}})) return StepOutcome::journal_error;
      setup_.reporter->step(step.id, "verified", verification->detail);
      register_output(step, receipt.output);
      return StepOutcome::done;
    }
    std::string why = verification ? "the change is not in effect: " + verification->detail
                                    : "could not verify: " + verification.error().message;
    // The change was applied and stays recorded as in force, so undo can
    // still remove it; applying it again could double it.
    return fail(step, attempt, failure(why), true, false);
  }

  StepOutcome execute(const Step& step, const StepState* prior) {
    setup_.reporter->set_current_step(step.id);
    const Module* module = ModuleRegistry::instance().find(step.module);
    if (!module) return fail(step, 0, bad_input("module " + step.module + " is not in this build"), true, false);

    if (step.when && !(prior && prior->status != StepStatus::pending)) {
      auto lookup = [&](const std::vector<std::string>& path) { return lookup_path(scope_, path); };
      auto holds = step.when->evaluate(lookup);
      if (!holds) return fail(step, 0, failure("when: " + holds.error().message), true, false);
      if (!*holds) {
        if (!record(record_kind::step_skipped, {{"step", step.id}, {"stage", step.stage}, {"when", step.when->text()}}))
          return StepOutcome::journal_error;
        setup_.reporter->step(step.id, "skipped", "when " + step.when->text() + " is false");
        return StepOutcome::done;
      }
    }

    // A change that may already exist was approved before it was started.
    bool change_may_exist = prior && (prior->status == StepStatus::started || prior->status == StepStatus::applied);

    auto substituted = substitute(json::value(step.with), scope_);
    if (!substituted) return fail(step, prior ? prior->attempt : 0, substituted.error(), true, false);
    auto params = module->schema().resolve(substituted->get_object());
    if (!params) return fail(step, prior ? prior->attempt : 0, bad_input("parameters: " + params.error().message), true, false);

    int attempt = prior ? prior->attempt : 0;
    std::optional<json::object> decided_plan;
    if (prior && prior->status == StepStatus::applied && prior->receipt)
      return verify_applied(step, *module, *params, *prior->receipt, prior->planned, attempt);
    if (prior && prior->status == StepStatus::started) {
      // Killed between the intent and the receipt: ask the system whether the
      // change happened before deciding to apply it again.
      StepContext context = context_for(step);
      context.planned = &prior->planned;
      auto verification = module->verify(prior->params, nullptr, prior->planned, context);
      if (verification && verification->in_effect && verification->recovered) {
        Receipt receipt = *verification->recovered;
        if (!record(record_kind::step_applied, {{"step", step.id}, {"attempt", attempt}, {"receipt", receipt_to_json(receipt)},
                                     {"recovered", true}}))
          return StepOutcome::journal_error;
        setup_.reporter->step(step.id, "applied (recovered after a crash)", verification->detail, receipt.changes);
        return verify_applied(step, *module, prior->params, receipt, prior->planned, attempt);
      }
      setup_.reporter->note(step.id + ": interrupted attempt did not take effect; applying again");
      // Applied again with the plan it was decided on, not a new one: the
      // interrupted attempt may have changed part of what a new plan would
      // take for the state before the incident (units stopped, a bind mount
      // made), and undo must restore that state.
      if (!prior->planned.empty()) decided_plan = prior->planned;
    }

    while (true) {
      ++attempt;
      StepContext context = context_for(step);
      auto plan = module->plan(*params, context);
      if (!plan) {
        bool final = attempt > step.retries || plan.error().kind != ErrorKind::failed;
        auto outcome = fail(step, attempt, plan.error(), final, false);
        if (outcome != StepOutcome::done) return outcome;
        if (!retry_pause(step, attempt)) return StepOutcome::interrupted;
        continue;
      }
      const json::object detail = decided_plan ? *decided_plan : plan->detail;
      if (!record(record_kind::step_planned, {{"step", step.id}, {"stage", step.stage}, {"module", step.module},
                                   {"attempt", attempt}, {"params", *params}, {"changes", string_array(plan->changes)},
                                   {"detail", detail}}))
        return StepOutcome::journal_error;
      // Approvals are given for the plan just journaled, and that plan is
      // what is applied: a later re-plan that differs needs new ones.
      if (step.approval > 0 && !change_may_exist) {
        auto own_plan = setup_.journal->last_appended();
        auto approved = await_approvals(step, own_plan ? own_plan->seq : 0);
        if (approved != StepOutcome::done) return approved;
      }
      if (!record(record_kind::step_started, {{"step", step.id}, {"attempt", attempt}})) return StepOutcome::journal_error;
      setup_.reporter->step(step.id, attempt > 1 ? "started (attempt " + std::to_string(attempt) + ")" : "started",
                            step.module, plan->changes);
      context.planned = &detail;
      if (auto started = setup_.journal->last_appended()) context.journal_witness = started->text();
      if (step.timeout) context.deadline = std::chrono::steady_clock::now() + *step.timeout;
      auto receipt = module->apply(*params, context);
      if (!receipt) {
        bool timed_out = step.timeout && context.expired();
        if (interrupt_requested() && !timed_out) return fail(step, attempt, interruption(receipt.error().message), false, false);
        Error error = receipt.error();
        if (timed_out) error = failure("timed out after " + format_duration(*step.timeout) + ": " + error.message);
        bool final = attempt > step.retries || error.kind == ErrorKind::refused || error.kind == ErrorKind::bad_input;
        auto outcome = fail(step, attempt, error, final, timed_out);
        if (outcome != StepOutcome::done) return outcome;
        if (!retry_pause(step, attempt)) return StepOutcome::interrupted;
        continue;
      }
      if (!record(record_kind::step_applied, {{"step", step.id}, {"attempt", attempt}, {"receipt", receipt_to_json(*receipt)}}))
        return StepOutcome::journal_error;
      setup_.reporter->step(step.id, "applied", "", receipt->changes);
      return verify_applied(step, *module, *params, *receipt, detail, attempt, true);
    }
  }

  // Backs off before the next attempt; false when interrupted meanwhile.
  bool retry_pause(const Step& step, int attempt) {
    auto delay = std::chrono::milliseconds(std::min(250 * (1 << std::min(attempt - 1, 5)), 5000));
    record(record_kind::step_retry, {{"step", step.id}, {"attempt", attempt + 1}, {"delay_ms", delay.count()}});
    auto until = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < until) {
      if (interrupt_requested()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  // What other processes appended is read back while the run goes on
  // (approvals, and undo-stage's receipts): only from a journal whose chain
  // holds and that still holds this runner's own last record, so a record
  // slipped in or edited meanwhile is never counted or undone.
  Result<JournalContents> read_verified_journal() {
    std::vector<JournalWitness> own;
    if (auto last = setup_.journal->last_appended()) own.push_back(*last);
    auto contents = responder::read_verified_journal(setup_.journal->file(), own);
    if (!contents) return refusal("the journal changed under the runner: " + contents.error().message);
    return contents;
  }


  void undo_stage(const std::string& stage) {
    auto contents = read_verified_journal();
    if (!contents) {
      setup_.reporter->note(contents.error().message + "; nothing of stage " + stage + " was undone");
      return;
    }
    auto now = derive_state(setup_.incident_id, *contents);
    if (!now) return;
    undo_in_force(setup_, *now, {}, stage, "on_failure: undo-stage");
  }

  const RunSetup& setup_;
  const IncidentState& state_;
  json::object scope_;
  SignatureVerdicts verdicts_;
  std::set<std::uint64_t> refused_reported_;
};

}  // namespace

int drive_playbook(const RunSetup& setup, const IncidentState& state) {
  PlaybookDriver driver(setup, state);
  return driver.run();
}

UndoOutcome undo_in_force(const RunSetup& setup, const IncidentState& state, const std::vector<std::string>& only_steps,
                          const std::string& only_stage, const std::string& reason) {
  UndoOutcome outcome;
  for (const StepState* s : state.in_force()) {
    if (!only_steps.empty() && std::find(only_steps.begin(), only_steps.end(), s->id) == only_steps.end()) continue;
    if (!only_stage.empty() && s->stage != only_stage) continue;
    // Each undo is whole; stopping between two leaves the rest in force and
    // recorded, for `responder undo` to finish.
    if (interrupt_requested()) {
      setup.reporter->note("interrupted; run `responder undo " + setup.incident_id + "` again to undo the rest");
      ++outcome.failed;
      break;
    }
    setup.reporter->set_current_step(s->id);
    const Module* module = ModuleRegistry::instance().find(s->module);
    auto append = [&](std::string_view kind, json::object payload) {
      auto r = setup.journal->append(kind, setup.environment->actor, std::move(payload));
      return r.ok();
    };
    if (!module) {
      append(record_kind::undo_failed, {{"step", s->id}, {"error", "module " + s->module + " is not in this build"}});
      setup.reporter->step(s->id, "undo failed", "module " + s->module + " is not in this build");
      ++outcome.failed;
      continue;
    }
    if (!append(record_kind::undo_started, {{"step", s->id}, {"reason", reason}})) {
      ++outcome.failed;
      break;
    }
    StepContext context = make_step_context(setup, s->id);
    context.planned = &s->planned;
    auto status = module->undo(*s->receipt, context);
    if (status) {
      append(record_kind::step_undone, {{"step", s->id}});
      setup.reporter->step(s->id, "undone", "", s->receipt->changes);
      ++outcome.undone;
    } else {
      append(record_kind::undo_failed, {{"step", s->id}, {"error", status.error().message}});
      setup.reporter->step(s->id, "undo failed", status.error().message);
      ++outcome.failed;
    }
  }
  return outcome;
}

}  // namespace responder
