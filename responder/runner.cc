#include "responder/runner.h"

#include "responder/clock.h"

#include <algorithm>
#include <optional>
#include <set>
#include <thread>

#include "responder/approval_request.h"
#include "responder/approval_tally.h"
#include "responder/exit_code.h"
#include "responder/host_placeholders.h"
#include "responder/interrupt.h"
#include "responder/journal_record_kind.h"
#include "responder/schema.h"
#include "responder/targets/host_step_run.h"
#include "responder/targets/run_hosts.h"
#include "responder/targets/step_attachment.h"
#include "responder/template.h"

namespace responder {

StepContext make_step_context(const RunSetup& setup, const std::string& step_id) {
  StepContext context;
  context.incident_id = setup.incident_id;
  if (setup.journal) context.incident_instance = incident_instance(setup.journal->file());
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

enum class StepOutcome { done, failed, refused, interrupted, journal_error };

class PlaybookDriver final : public IncidentAccess {
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
    context.incident = this;
    return context;
  }

  Result<JournalContents> journal() override { return read_verified_journal(); }
  Result<Undone> undo_changes(const std::vector<std::string>& steps, const std::string& reason) override {
    auto contents = read_verified_journal();
    if (!contents) return contents.error();
    auto now = derive_state(setup_.incident_id, *contents);
    if (!now) return now.error();
    auto outcome = undo_in_force(setup_, *now, steps, "", reason);
    return Undone{std::move(outcome.undone_steps), std::move(outcome.still_in_force)};
  }
  bool has_step(const std::string& id) const override { return setup_.playbook->find_step(id) != nullptr; }
  std::string playbook_description() const override { return setup_.playbook->description; }
  std::string playbook_severity() const override { return setup_.playbook->severity; }
  bool drill() const override { return setup_.drill; }

  // A run left by an exception (a module or the file system throwing)
  // still journals what it held: those changes were made.
  ~PlaybookDriver() override {
    try {
      flush_held();
    } catch (...) {
    }
  }

  int run() {
    setup_.reporter->set_incident(setup_.incident_id);
    if (!record(record_kind::run_started, {{"resumed", state_.records > 1}})) return kJournalFailure;
    remember_accepted_failures();
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
    any_failed = any_failed || hosts_failed_;
    std::string outcome =
        any_failed ? "failed" : unreachable_.empty() && limited_out_.empty() && with_ansible_.empty() ? "completed" : "partial";
    json::object finished{{"outcome", outcome}};
    if (!unreachable_.empty()) finished["unreachable"] = string_array({unreachable_.begin(), unreachable_.end()});
    if (!limited_out_.empty()) {
      finished["outside_limit"] = string_array({limited_out_.begin(), limited_out_.end()});
      std::string names;
      for (auto& h : limited_out_) names += (names.empty() ? "" : ", ") + h;
      setup_.reporter->note("left for later by --limit: " + names + "; `responder resume " + setup_.incident_id +
                            " --limit PATTERN` acts on them");
    }
    if (!with_ansible_.empty()) {
      finished["with_ansible"] = string_array({with_ansible_.begin(), with_ansible_.end()});
      setup_.reporter->note("left to Ansible (`responder release export`): " +
                            comma_joined({with_ansible_.begin(), with_ansible_.end()}) + "; `responder release import " +
                            setup_.incident_id + " RESULTS` brings their outcome back");
    }
    if (!record(record_kind::run_finished, std::move(finished))) return kJournalFailure;
    if (!unreachable_.empty()) {
      std::string missed, unknown;
      for (auto& h : unreachable_) {
        std::string& list = outcome_unknown_.count(h) ? unknown : missed;
        list += (list.empty() ? "" : ", ") + h;
      }
      if (!missed.empty())
        setup_.reporter->note("hosts not reached, so their steps are not done: " + missed + "; once they answer, run `responder resume " +
                              setup_.incident_id + "`");
      if (!unknown.empty())
        setup_.reporter->note("hosts whose outcome is unknown (the change may be in effect there): " + unknown +
                              "; `responder resume " + setup_.incident_id + "` asks them");
    }
    bool done = !any_failed && unreachable_.empty();
    setup_.reporter->finished(outcome, done ? kExitSuccess : kExitStepFailed);
    return done ? kExitSuccess : kExitStepFailed;
  }

 private:
  // The journal could not take a record: the run stopped before acting on
  // it, as a failed step stops it.
  static constexpr int kJournalFailure = kExitStepFailed;
  ErrorKind last_failure_ = ErrorKind::failed;

  // Makes the record durable, together with the records held before it,
  // in one write and one sync; false (reported) when the journal refused
  // them, so that nothing they announce is done.
  bool record(std::string_view kind, json::object payload) {
    std::vector<JournalEntry> entries;
    entries.push_back({std::string(kind), std::move(payload)});
    return record_together(std::move(entries));
  }
  bool record_together(std::vector<JournalEntry> entries) {
    if (!held_.empty()) {
      entries.insert(entries.begin(), std::make_move_iterator(held_.begin()), std::make_move_iterator(held_.end()));
      held_.clear();
    }
    if (entries.empty()) return true;
    auto r = setup_.journal->append_together(setup_.environment->actor, std::move(entries));
    if (!r) {
      setup_.reporter->note("cannot write the journal: " + r.error().message + "; stopping before acting further");
      return false;
    }
    return true;
  }
  // A record that only says what has already happened (a step's receipt,
  // its verification) announces no action, so it need not be durable
  // before anything: it is written with the next record that must be (the
  // next step's start, a failure, the run's end), one sync for all of them.
  // A kill before then loses it, and resume asks the step's verify, exactly
  // as after a kill between a change and its receipt.
  // Each held record keeps the time it happened, not the time it is written.
  void hold(std::string_view kind, json::object payload) {
    held_.push_back({std::string(kind), std::move(payload), now_rfc3339()});
  }
  bool flush_held() { return record_together({}); }

  void register_output(const Step& step, const json::object& output) {
    if (!step.register_as.empty()) scope_[step.register_as] = output;
  }

  // True when the journal says this step needs nothing more; registers its
  // output for later steps.
  bool finished(const Step& step, const StepState* prior) {
    if (has_remote_targets(step)) return finished_on_hosts(step, prior);
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

  // Failures an earlier run went on past (on_failure: continue) stay
  // failures: those hosts stay out of later steps, and the run cannot end
  // `completed` on resume.
  void remember_accepted_failures() {
    for (const Step* step : setup_.playbook->all_steps()) {
      if (step->on_failure != OnFailure::continue_run) continue;
      if (const StepState* s = state_.find(step->id); s && s->status == StepStatus::failed && s->final_failure)
        hosts_failed_ = true;
      auto on = state_.on_hosts.find(step->id);
      if (on == state_.on_hosts.end()) continue;
      for (auto& [host, hs] : on->second)
        if (hs.status == StepStatus::failed && hs.final_failure) {
          left_out_.insert(host);
          hosts_failed_ = true;
        }
    }
  }

  // A step with targets needs nothing more when it was skipped, or when
  // every host the run may act on (--limit) has it verified, undone, or
  // finally failed where the playbook continues past failures.
  bool finished_on_hosts(const Step& step, const StepState* prior) {
    auto recorded = state_.step_hosts.find(step.id);
    if (recorded == state_.step_hosts.end() || recorded->second.empty())
      return prior && prior->status == StepStatus::skipped;
    const std::vector<std::string>& known = known_hosts();
    auto done_on = [&](const std::string& host) {
      const StepState* s = state_.find(step.id, host);
      return s && (s->status == StepStatus::verified || s->status == StepStatus::undone ||
                   (s->status == StepStatus::failed && s->final_failure && step.on_failure == OnFailure::continue_run));
    };
    for (auto& h : recorded->second) {
      if (setup_.hosts) {
        auto allowed = setup_.hosts->allowed(h.name, known);
        if (allowed && !*allowed) {
          if (!done_on(h.name)) limited_out_.insert(h.name);
          continue;
        }
      }
      if (!done_on(h.name)) return false;
    }
    register_output(step, targets::registered_from_state(state_, step.id));
    return true;
  }

  // The hosts `step` acts on: those journaled when it first ran, else what
  // its targets select now (templates substituted), the inventory's account
  // of each to be journaled. `first_time` says which.
  Result<std::vector<StepHost>> hosts_of(const Step& step, bool& first_time) {
    first_time = false;
    if (auto recorded = state_.step_hosts.find(step.id); recorded != state_.step_hosts.end() && !recorded->second.empty())
      return recorded->second;
    std::vector<std::string> patterns;
    for (auto& target : step.targets) {
      auto value = substitute(target, scope_);
      if (!value) return bad_input("targets: " + value.error().message);
      if (value->is_string()) patterns.emplace_back(value->get_string());
      else if (value->is_array() && std::all_of(value->get_array().begin(), value->get_array().end(), [](auto& v) { return v.is_string(); }))
        for (auto& v : value->get_array()) patterns.emplace_back(v.get_string());
      else return bad_input("targets: " + to_json_text(target) + " is not a host pattern or a list of them");
    }
    auto selected = setup_.hosts->select(patterns);
    if (!selected) return bad_input("targets: " + selected.error().message);
    first_time = true;
    return selected;
  }

  StepOutcome execute_on_hosts(const Step& step, const Module& module) {
    if (!setup_.hosts) return fail(step, 0, bad_input("step " + step.id + " names other hosts, which this command cannot reach"), true, false);
    auto substituted = substitute(json::value(step.with), scope_with_host_placeholders(scope_, module.schema()));
    if (!substituted) return fail(step, 0, substituted.error(), true, false);
    auto params = module.schema().resolve(substituted->get_object());
    if (!params) return fail(step, 0, bad_input("parameters: " + params.error().message), true, false);
    StepContext controller = context_for(step);
    auto delivery = module.prepare_on_controller(*params, controller);
    if (!delivery) return fail(step, 0, delivery.error(), true, false);
    bool first_time = false;
    auto all = hosts_of(step, first_time);
    if (!all) return fail(step, 0, all.error(), true, false);
    std::vector<std::string> known = known_hosts();
    for (auto& h : *all)
      if (std::find(known.begin(), known.end(), h.name) == known.end()) known.push_back(h.name);
    std::vector<StepHost> now;
    std::vector<std::string> left_out;
    for (auto& h : *all) {
      auto allowed = setup_.hosts->allowed(h.name, known);
      if (!allowed) return fail(step, 0, allowed.error(), true, false);
      if (!*allowed) {
        const StepState* s = state_.find(step.id, h.name);
        if (!s || (s->status != StepStatus::verified && s->status != StepStatus::undone)) limited_out_.insert(h.name);
        continue;
      }
      if (left_out_.count(h.name)) {
        left_out.push_back(h.name);
        continue;
      }
      now.push_back(h);
    }
    if (!left_out.empty()) {
      std::vector<std::string> missed, with_ansible;
      for (auto& h : left_out) (with_ansible_.count(h) ? with_ansible : missed).push_back(h);
      if (!missed.empty())
        setup_.reporter->step(step.id, "narrowed", "left out after failing or not answering earlier in this run: " + comma_joined(missed));
      if (!with_ansible.empty())
        setup_.reporter->step(step.id, "narrowed",
                              "left out while an earlier release step's Ansible export has them: " + comma_joined(with_ansible));
    }

    targets::HostStepRun run;
    run.step = &step;
    run.module = &module;
    run.params = delivery->params;
    run.attachment = delivery->attachment;
    run.attachment_sha256 = delivery->attachment_sha256;
    run.hosts = now;
    if (first_time) run.journal_hosts = *all;
    run.state = &state_;
    run.reach = setup_.hosts;
    run.journal = setup_.journal;
    run.reporter = setup_.reporter;
    run.incident_id = setup_.incident_id;
    run.actor = setup_.environment->actor;
    run.incident_dir = setup_.incident_dir;
    run.held = &held_;
    for (auto& range : setup_.environment->safety.management) run.management.push_back(range.to_string());
    run.drill = setup_.drill;
    run.await_approvals = [&](std::uint64_t plan_seq) {
      switch (await_approvals(step, plan_seq)) {
        case StepOutcome::done: return targets::HostsOutcome::done;
        case StepOutcome::interrupted: return targets::HostsOutcome::interrupted;
        case StepOutcome::refused: return targets::HostsOutcome::refused;
        default: return targets::HostsOutcome::journal_error;
      }
    };
    auto result = targets::run_step_on_hosts(run);
    for (auto& h : result.failed) left_out_.insert(h);
    for (auto& h : result.unreachable) {
      left_out_.insert(h);
      unreachable_.insert(h);
    }
    for (auto& h : result.ok) unreachable_.erase(h);
    for (auto& h : result.with_ansible) {
      left_out_.insert(h);
      with_ansible_.insert(h);
    }
    for (auto& h : result.ok) with_ansible_.erase(h);
    for (auto& h : result.outcome_unknown) outcome_unknown_.insert(h);
    for (auto& h : result.ok) outcome_unknown_.erase(h);
    // Failures the step tolerated (max_fail_percentage) still leave the run
    // failed: those hosts lack this step and the ones after it.
    if (!result.failed.empty()) hosts_failed_ = true;
    register_output(step, result.registered);
    switch (result.outcome) {
      case targets::HostsOutcome::done: return StepOutcome::done;
      case targets::HostsOutcome::journal_error: return StepOutcome::journal_error;
      case targets::HostsOutcome::interrupted: return StepOutcome::interrupted;
      case targets::HostsOutcome::refused: last_failure_ = ErrorKind::refused; return StepOutcome::refused;
      case targets::HostsOutcome::failed:
        last_failure_ = result.failure;
        if (!result.halted_at.empty())
          setup_.reporter->step(step.id, "failed",
                                "halted at " + result.halted_at +
                                    (result.failed.empty() ? "" : " (" + comma_joined(result.failed) + " failed)") +
                                    "; the hosts after it were held, never started");
        else
          setup_.reporter->step(step.id, "failed", std::to_string(result.failed.size()) + " of " + std::to_string(now.size()) +
                                                       " hosts failed (" + comma_joined(result.failed) +
                                                       "), more than max_fail_percentage " +
                                                       std::to_string(step.max_fail_percentage) + "%");
        return StepOutcome::failed;
    }
    return StepOutcome::failed;
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
      hold(record_kind::step_verified, {{"step", step.id}, {"detail", verification->detail}});
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

    // Decided once: a step with targets that already ran on some host is
    // not decided again on resume (its hosts' records say it was run).
    bool decided_on_hosts = state_.step_hosts.count(step.id) > 0;
    if (step.when && !(prior && prior->status != StepStatus::pending) && !decided_on_hosts) {
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

    if (has_remote_targets(step)) return execute_on_hosts(step, *module);

    // A change that may already exist was approved before it was started.
    bool may_exist = change_may_exist(prior);

    auto substituted = substitute(json::value(step.with), scope_with_host_placeholders(scope_, module->schema()));
    if (!substituted) return fail(step, prior ? prior->attempt : 0, substituted.error(), true, false);
    auto params = module->schema().resolve(substituted->get_object());
    if (!params) return fail(step, prior ? prior->attempt : 0, bad_input("parameters: " + params.error().message), true, false);
    // What the controller checks first (a release's signature), and the
    // bytes the step acts on, staged as a far side stages them.
    std::unique_ptr<targets::StagedAttachment> staged;
    {
      StepContext controller = context_for(step);
      auto delivery = module->prepare_on_controller(*params, controller);
      if (!delivery) return fail(step, prior ? prior->attempt : 0, delivery.error(), true, false);
      *params = std::move(delivery->params);
      if (delivery->attachment) {
        auto stage = targets::stage_attachment({delivery->attachment_sha256, delivery->attachment->size()}, *delivery->attachment);
        if (!stage) return fail(step, prior ? prior->attempt : 0, stage.error(), true, false);
        staged = std::move(*stage);
      }
    }

    int attempt = prior ? prior->attempt : 0;
    std::optional<json::object> decided_plan;
    // Applied, then not (or not yet) verified: asked again with its
    // receipt, never applied a second time.
    if (prior && (prior->status == StepStatus::applied || prior->status == StepStatus::failed) && prior->receipt)
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
      bool needs_approval = step.approval > 0 && !may_exist;
      json::object planned{{"step", step.id},   {"stage", step.stage}, {"module", step.module},
                           {"attempt", attempt}, {"params", *params},   {"changes", string_array(plan->changes)},
                           {"detail", detail}};
      json::object started{{"step", step.id}, {"attempt", attempt}};
      // Approvals are given for the plan just journaled, and that plan is
      // what is applied: a later re-plan that differs needs new ones.
      if (needs_approval) {
        if (!record(record_kind::step_planned, std::move(planned))) return StepOutcome::journal_error;
        auto own_plan = setup_.journal->last_appended();
        auto approved = await_approvals(step, own_plan ? own_plan->seq : 0);
        if (approved != StepOutcome::done) return approved;
        if (!record(record_kind::step_started, std::move(started))) return StepOutcome::journal_error;
      } else {
        // Nothing waits between the plan and the start: one write, one sync
        // (with the previous step's receipt held until now).
        std::vector<JournalEntry> together;
        together.push_back({std::string(record_kind::step_planned), std::move(planned)});
        together.push_back({std::string(record_kind::step_started), std::move(started)});
        if (!record_together(std::move(together))) return StepOutcome::journal_error;
      }
      setup_.reporter->step(step.id, attempt > 1 ? "started (attempt " + std::to_string(attempt) + ")" : "started",
                            step.module, plan->changes);
      context.planned = &detail;
      context.attachment = staged.get();
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
      hold(record_kind::step_applied, {{"step", step.id}, {"attempt", attempt}, {"receipt", receipt_to_json(*receipt)}});
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
    if (!flush_held()) return failure("the journal cannot be written");
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
  std::vector<JournalEntry> held_;  // see hold()
  // Hosts that failed or did not answer in this run: later steps leave
  // them out (as Ansible does); resume tries them again.
  std::set<std::string> left_out_;
  std::set<std::string> unreachable_;
  std::set<std::string> outcome_unknown_;  // of unreachable_: reached, outcome unknown
  // Hosts --limit kept this run from, with a step still to do there.
  std::set<std::string> limited_out_;
  std::set<std::string> with_ansible_;  // hosts a release step handed to Ansible
  bool hosts_failed_ = false;

  // Every host the journal names for any step: what --limit is matched
  // against when there is no inventory (resume, undo).
  const std::vector<std::string>& known_hosts() {
    if (!known_hosts_) {
      known_hosts_.emplace();
      for (auto& [id, hosts] : state_.step_hosts)
        for (auto& h : hosts)
          if (std::find(known_hosts_->begin(), known_hosts_->end(), h.name) == known_hosts_->end()) known_hosts_->push_back(h.name);
    }
    return *known_hosts_;
  }
  std::optional<std::vector<std::string>> known_hosts_;
  SignatureVerdicts verdicts_;
  std::set<std::uint64_t> refused_reported_;
};

}  // namespace

int drive_playbook(const RunSetup& setup, const IncidentState& state) {
  PlaybookDriver driver(setup, state);
  return driver.run();
}

Result<targets::StepAnswer> ask_host(const RunSetup& setup, const IncidentState& state, const StepState& s,
                                     targets::Operation operation) {
  if (!setup.hosts) return bad_input("this command cannot reach host " + s.host);
  auto recorded = state.step_hosts.find(s.id);
  const StepHost* host = nullptr;
  if (recorded != state.step_hosts.end())
    for (auto& h : recorded->second)
      if (h.name == s.host) host = &h;
  if (!host) return failure("the journal does not say how host " + s.host + " is reached");
  auto executor = setup.hosts->executor(*host);
  if (!executor) return executor.error();
  targets::StepRequest request;
  request.operation = operation;
  request.confirmed = s.confirmed;
  request.module = s.module;
  request.params = s.params;
  request.planned = s.planned;
  request.receipt = *s.receipt;
  request.incident_id = setup.incident_id;
  if (setup.journal) request.incident_instance = incident_instance(setup.journal->file());
  request.step_id = s.id;
  request.host = s.host;
  request.actor = setup.environment->actor;
  for (auto& range : setup.environment->safety.management) request.management.push_back(range.to_string());
  request.drill = setup.drill;
  auto done = (*executor)->execute(request, setup.reporter, std::chrono::steady_clock::now() + std::chrono::minutes(5));
  if (!done.reached) return failure("host " + s.host + " is unreachable: " + done.unreachable_why);
  if (!done.answer.ok) return done.answer.error;
  return done.answer;
}

UndoOutcome undo_in_force(const RunSetup& setup, const IncidentState& state, const std::vector<std::string>& only_steps,
                          const std::string& only_stage, const std::string& reason, const std::string& only_host) {
  UndoOutcome outcome;
  for (const StepState* s : state.in_force()) {
    if (!only_steps.empty() && std::find(only_steps.begin(), only_steps.end(), s->id) == only_steps.end()) continue;
    if (!only_stage.empty() && s->stage != only_stage) continue;
    if (!only_host.empty() && s->host != only_host) continue;
    std::string label = s->host.empty() ? s->id : s->id + " on " + s->host;
    json::object on{{"step", s->id}};
    if (!s->host.empty()) on["host"] = s->host;
    auto with = [&](json::object more) {
      json::object payload = on;
      for (auto& [k, v] : more) payload[k] = v;
      return payload;
    };
    // Each undo is whole; stopping between two leaves the rest in force and
    // recorded, for `responder undo` to finish.
    if (interrupt_requested()) {
      setup.reporter->note("interrupted; run `responder undo " + setup.incident_id + "` again to undo the rest");
      ++outcome.failed;
      outcome.still_in_force.emplace_back(label, "interrupted before its undo");
      break;
    }
    setup.reporter->set_current_step(s->id);
    const Module* module = ModuleRegistry::instance().find(s->module);
    auto append = [&](std::string_view kind, json::object payload) {
      auto r = setup.journal->append(kind, setup.environment->actor, std::move(payload));
      return r.ok();
    };
    if (!module) {
      append(record_kind::undo_failed, with({{"error", "module " + s->module + " is not in this build"}}));
      setup.reporter->step(label, "undo failed", "module " + s->module + " is not in this build");
      ++outcome.failed;
      outcome.still_in_force.emplace_back(label, "module " + s->module + " is not in this build");
      continue;
    }
    if (!append(record_kind::undo_started, with({{"reason", reason}}))) {
      ++outcome.failed;
      outcome.still_in_force.emplace_back(label, "the journal cannot be written: nothing more is undone");
      break;
    }
    // After an undo the module's verify reads the component back: what it
    // saw is journaled with step.undone. A state it still shows is not an
    // undo failing (a receipt that changed nothing, say the address was
    // already blocked by someone else, leaves that state as it found it):
    // it is recorded and shown, and the report lists it as an open item. A
    // check that cannot answer leaves the undo standing, unchecked.
    Status status;
    json::value proof = nullptr;
    bool still_shown = false;
    auto read_back = [&](const Result<Verification>& v, const std::string& where) {
      if (!v) {
        setup.reporter->note(label + ": undone; the check of the live system" + where + " failed: " + v.error().message);
        return;
      }
      proof = v->detail;
      still_shown = v->in_effect;
      if (v->in_effect)
        setup.reporter->note(label + ": undone, but the live system" + where + " still shows its state: " + v->detail);
    };
    if (s->host.empty()) {
      StepContext context = make_step_context(setup, s->id);
      context.planned = &s->planned;
      status = module->undo(*s->receipt, context);
      if (status) {
        try {
          read_back(module->verify(s->params, &*s->receipt, s->planned, context), "");
        } catch (const std::exception& e) {
          read_back(failure(std::string("it threw: ") + e.what()), "");
        }
      }
    } else {
      auto answer = ask_host(setup, state, *s, targets::Operation::undo);
      if (!answer) status = answer.error();
      if (status) {
        auto check = ask_host(setup, state, *s, targets::Operation::verify);
        if (!check) read_back(check.error(), " of " + s->host);
        else if (!check->verification) read_back(failure("no verification in its answer"), " of " + s->host);
        else read_back(*check->verification, " of " + s->host);
      }
    }
    if (status) {
      if (!append(record_kind::step_undone, with({{"verified", proof}, {"still_in_effect", still_shown}}))) {
        // Undone on the system, but not recorded: say so and stop here,
        // rather than count what the journal does not hold.
        setup.reporter->step(label, "undone, not journaled", "the journal cannot be written; run `responder undo " +
                                                                 setup.incident_id + "` again once it can");
        ++outcome.failed;
        outcome.still_in_force.emplace_back(label, "undone but not journaled (the journal cannot be written)");
        break;
      }
      setup.reporter->step(label, "undone", "", module->undone_lines(*s->receipt));
      ++outcome.undone;
      outcome.undone_steps.push_back(label);
    } else {
      append(record_kind::undo_failed, with({{"error", status.error().message}}));
      setup.reporter->step(label, "undo failed", status.error().message);
      ++outcome.failed;
      outcome.still_in_force.emplace_back(label, status.error().message);
    }
  }
  return outcome;
}

}  // namespace responder
