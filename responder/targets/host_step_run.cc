#include "responder/targets/host_step_run.h"
#include "responder/targets/evidence_relay.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "responder/duration.h"
#include "responder/interrupt.h"
#include "responder/inventory/host_reach.h"
#include "responder/journal_record_kind.h"
#include "responder/targets/host_executor.h"
#include "responder/targets/for_each_host.h"

namespace responder::targets {
namespace {

using Clock = std::chrono::steady_clock;

// Read-only operations (plan, verify) of a step without a timeout still end:
// a far side that hangs is stopped and the host is unreachable.
constexpr auto kReadOnlyDeadline = std::chrono::minutes(5);
// What the far side gets beyond the step's own timeout to answer that it
// stopped.
constexpr auto kAnswerGrace = std::chrono::seconds(30);

// Progress of one host, passed on to the run's reporter under a lock: hosts
// answer from several threads at once.
class HostProgress final : public ProgressSink {
 public:
  HostProgress(std::mutex& mutex, ProgressSink* to, std::string host) : mutex_(mutex), to_(to), host_(std::move(host)) {}
  void progress(std::uint64_t done, std::uint64_t total, const std::string& unit, const std::string& note) override {
    if (!to_) return;
    std::lock_guard lock(mutex_);
    to_->progress(done, total, unit, host_ + (note.empty() ? "" : ": " + note));
  }

 private:
  std::mutex& mutex_;
  ProgressSink* to_;
  std::string host_;
};

enum class Next { check, recover, plan, done };

// One host's part of the step, as the phases move it along.
struct HostWork {
  const StepHost* host = nullptr;
  Executor* executor = nullptr;
  const StepState* prior = nullptr;
  Next next = Next::plan;
  int attempt = 0;
  // Its change was approved: before it started (a resumed start), or in
  // this run (a retry keeps the approval of the plan it retries).
  bool approved = false;
  std::optional<json::object> decided_plan;  // an interrupted attempt's plan, applied again as it was
  json::object params;
  json::object planned;
  std::optional<Receipt> receipt;
  // Outcome so far.
  bool ok = false, failed = false, unreachable = false, unknown = false;
  bool with_ansible = false;  // handed to Ansible by `release export`: not acted on here
  std::string error;
  ErrorKind error_kind = ErrorKind::failed;
  // This phase's answers.
  Execution first, second;
  PlanResult plan;
};

class StepOnHosts {
 public:
  explicit StepOnHosts(const HostStepRun& run)
      : run_(run), step_(*run.step), instance_(run.journal ? incident_instance(run.journal->file()) : "") {
    store_context_.incident_id = run.incident_id;
    store_context_.step_id = step_.id;
    store_context_.actor = run.actor;
    store_context_.incident_dir = run.incident_dir;
    store_context_.drill = run.drill;
  }

  HostStepResult go() {
    if (run_.held) {
      pending_ = std::move(*run_.held);
      run_.held->clear();
    }
    if (!run_.journal_hosts.empty()) {
      json::array hosts;
      for (auto& h : run_.journal_hosts) {
        json::object entry{{"name", h.name}, {"reach", h.reach}};
        if (!h.vars.empty()) entry["vars"] = h.vars;
        hosts.push_back(std::move(entry));
      }
      add(record_kind::step_hosts, {{"step", step_.id}, {"stage", step_.stage}, {"module", step_.module}, {"hosts", hosts}});
    }
    work_.resize(run_.hosts.size());
    for (std::size_t i = 0; i < work_.size(); ++i) prepare(work_[i], run_.hosts[i]);
    say_with_ansible();
    if (!check_phase()) return finish(HostsOutcome::journal_error);
    // A release that halted stays halted: its held hosts are not started
    // by a resume (what halted it needs a person, and a new release).
    if (const std::string* halted_at = halted_wave()) {
      std::string held;
      for (auto& w : work_)
        if (w.next == Next::plan) {
          w.next = Next::done;
          held += (held.empty() ? "" : ", ") + w.host->name;
        }
      halted_ = true;
      halted_at_ = *halted_at;
      if (!held.empty())
        said_.push_back({step_.id, "still halted",
                         "it halted at " + *halted_at + "; held, not started: " + held + " (a new release patches them)", {}});
      if (!commit()) return finish(HostsOutcome::journal_error);
    }
    while (true) {
      if (interrupt_requested()) return finish(HostsOutcome::interrupted);
      std::vector<HostWork*> to_plan;
      for (auto& w : work_)
        if (w.next == Next::plan) to_plan.push_back(&w);
      if (to_plan.empty()) break;
      auto outcome = plan_and_apply(to_plan);
      if (outcome != HostsOutcome::done) return finish(outcome);
      bool retrying = std::any_of(work_.begin(), work_.end(), [](auto& w) { return w.next == Next::plan; });
      if (retrying && !retry_pause()) return finish(HostsOutcome::interrupted);
    }
    std::size_t failed = 0, total = 0;
    for (auto& w : work_) {
      failed += w.failed;
      // Hosts left to Ansible are neither failures nor successes here.
      total += !w.with_ansible;
    }
    HostsOutcome outcome = HostsOutcome::done;
    if (halted_) return finish(refused_ ? HostsOutcome::refused : HostsOutcome::failed);
    // More than max_fail_percentage of the hosts failed: the step failed.
    if (failed > 0 && failed * 100 > static_cast<std::size_t>(step_.max_fail_percentage) * total) {
      outcome = refused_ ? HostsOutcome::refused : HostsOutcome::failed;
    }
    return finish(outcome);
  }

 private:
  void add(std::string_view kind, json::object payload) { pending_.push_back({std::string(kind), std::move(payload)}); }

  // Makes every pending record durable at once; false (reported) when the
  // journal refused them, so that nothing they announce is done.
  bool commit() {
    if (pending_.empty()) {
      for (auto& line : said_) run_.reporter->step(line.id, line.event, line.message, line.changes);
      said_.clear();
      return true;
    }
    auto written = run_.journal->append_together(run_.actor, std::move(pending_));
    pending_.clear();
    if (!written) {
      // What they announced never happened: never said, now or later.
      said_.clear();
      run_.reporter->note("cannot write the journal: " + written.error().message + "; stopping before acting further");
      return false;
    }
    last_seq_ = written->back().seq;
    for (auto& line : said_) run_.reporter->step(line.id, line.event, line.message, line.changes);
    said_.clear();
    return true;
  }

  struct Said {
    std::string id, event, message;
    std::vector<std::string> changes;
  };
  // Reported once the records behind it are durable.
  void say(const HostWork& w, std::string event, std::string message, std::vector<std::string> changes = {}) {
    said_.push_back({step_.id + " on " + w.host->name, std::move(event), std::move(message), std::move(changes)});
  }

  void prepare(HostWork& w, const StepHost& host) {
    w.host = &host;
    w.params = run_.params;
    w.prior = run_.state ? run_.state->find(step_.id, host.name) : nullptr;
    w.attempt = w.prior ? w.prior->attempt : 0;
    // Handed to Ansible: patching it here as well would race Ansible's run
    // on the same host, so it waits for its imported result (or a take-back).
    if (with_ansible_dir(host.name)) {
      w.next = Next::done;
      w.with_ansible = true;
      return;
    }
    auto executor = run_.reach->executor(host);
    w.approved = change_may_exist(w.prior);
    if (!executor && w.approved) {
      // Its outcome stays unknown until the host can be asked.
      w.next = Next::done;
      return unreachable(w, executor.error().message);
    }
    if (!executor) {
      // The inventory's or journal's account of the host cannot be used:
      // the playbook's input is wrong, not the host.
      w.failed = true;
      w.next = Next::done;
      w.error = executor.error().message;
      w.error_kind = ErrorKind::bad_input;
      add(record_kind::step_failed, {{"step", step_.id}, {"host", host.name}, {"attempt", w.attempt}, {"error", w.error},
                                     {"error_kind", "bad_input"}, {"final", true}, {"timed_out", false}});
      say(w, "failed", w.error);
      return;
    }
    w.executor = *executor;
    if (auto reach = inventory::reach_from_json(host.reach); reach) {
      if (auto fits = check_module_fits(host.name, *reach, step_.module); !fits) {
        w.failed = true;
        w.next = Next::done;
        w.error = fits.error().message;
        w.error_kind = ErrorKind::refused;
        refused_ = true;
        add(record_kind::step_failed, {{"step", step_.id}, {"host", host.name}, {"attempt", w.attempt}, {"error", w.error},
                                       {"error_kind", "refused"}, {"final", true}, {"timed_out", false}});
        say(w, "refused", w.error);
        return;
      }
    }
    if (!w.prior) return;
    switch (w.prior->status) {
      case StepStatus::verified:
      case StepStatus::undone:
        w.ok = true;
        w.next = Next::done;
        w.receipt = w.prior->receipt;
        return;
      case StepStatus::applied:
        if (w.prior->receipt) {
          w.next = Next::check;
          w.receipt = w.prior->receipt;
          w.planned = w.prior->planned;
          w.params = w.prior->params;
        }
        return;
      case StepStatus::started:
        w.next = Next::recover;
        w.planned = w.prior->planned;
        w.params = w.prior->params;
        return;
      case StepStatus::failed:
        if (w.prior->final_failure && step_.on_failure == OnFailure::continue_run) {
          w.failed = true;
          w.next = Next::done;
          w.error = w.prior->error;
          w.receipt = w.prior->receipt;
        } else if (w.prior->receipt) {
          // Applied, then not verified: asked again with its receipt, never
          // applied a second time.
          w.next = Next::check;
          w.receipt = w.prior->receipt;
          w.planned = w.prior->planned;
          w.params = w.prior->params;
        }
        return;
      default: return;
    }
  }

  StepRequest request(const HostWork& w, Operation op) const {
    StepRequest r;
    r.operation = op;
    r.module = step_.module;
    r.params = w.params;
    r.planned = w.planned;
    r.receipt = w.receipt;
    r.incident_id = run_.incident_id;
    r.step_id = step_.id;
    r.host = w.host->name;
    r.actor = run_.actor;
    r.management = run_.management;
    r.drill = run_.drill;
    r.attempt = w.attempt;
    r.incident_instance = instance_;
    if (op == Operation::apply && run_.attachment) {
      r.attachment = AttachmentHeader{run_.attachment_sha256, run_.attachment->size()};
      r.attachment_bytes = run_.attachment;
    }
    if (step_.timeout) r.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(*step_.timeout);
    return r;
  }

  Clock::time_point deadline(bool changes) const {
    if (step_.timeout) return Clock::now() + *step_.timeout + kAnswerGrace;
    return changes ? Clock::time_point::max() : Clock::now() + kReadOnlyDeadline;
  }

  Execution execute(HostWork& w, const StepRequest& r, bool changes) {
    HostProgress progress(progress_mutex_, run_.reporter, w.host->name);
    // What a host collects while applying comes back into this incident's
    // evidence store as it is read there.
    std::unique_ptr<EvidenceArrivals> arrivals;
    if (r.operation == Operation::apply && !run_.incident_dir.empty())
      arrivals = make_evidence_arrivals(store_context_, {w.host->name, w.executor->describe()});
    return w.executor->execute(r, &progress, deadline(changes), arrivals.get());
  }

  // The answer's failure, or why there is none where one was needed.
  static Error answer_error(const Execution& e) {
    if (e.answer.ok) return failure("the far side answered without what was asked");
    return e.answer.error;
  }

  void unreachable(HostWork& w, const std::string& why) {
    w.unreachable = true;
    w.next = Next::done;
    w.error = why;
    add(record_kind::host_unreachable, {{"step", step_.id}, {"host", w.host->name}, {"why", why}});
    say(w, "unreachable", why);
  }

  // Reached, but whether the change is there is not known: nothing is
  // journaled as failed, the host keeps its state (started or applied), is
  // left out of later steps, and resume asks it.
  void unknown(HostWork& w, const std::string& why) {
    w.unreachable = true;
    w.unknown = true;
    w.next = Next::done;
    w.error = why;
    add(record_kind::host_unreachable, {{"step", step_.id}, {"host", w.host->name}, {"why", why}, {"outcome_unknown", true}});
    say(w, "outcome unknown", why + "; resume asks it again");
  }

  void fail(HostWork& w, const Error& error, bool final, bool timed_out = false) {
    w.error = error.message;
    w.error_kind = error.kind;
    add(record_kind::step_failed, {{"step", step_.id},       {"host", w.host->name}, {"attempt", w.attempt},
                                   {"error", error.message}, {"error_kind", error_kind_name(error.kind)},
                                   {"final", final},         {"timed_out", timed_out}});
    say(w, final ? "failed" : "failed (will retry)", error.message);
    if (error.kind == ErrorKind::interrupted && interrupt_requested()) interrupted_ = true;
    if (final) {
      w.failed = true;
      w.next = Next::done;
      if (error.kind == ErrorKind::refused) refused_ = true;
    } else {
      w.next = Next::plan;
    }
  }

  void verified(HostWork& w, const std::string& detail) {
    w.ok = true;
    w.next = Next::done;
    add(record_kind::step_verified, {{"step", step_.id}, {"host", w.host->name}, {"detail", detail}});
    say(w, "verified", detail);
  }

  // A verify answer for a receipt: verified, or a final failure (the change
  // stays recorded as in force, so undo can still remove it; applying it
  // again could double it).
  void take_verification(HostWork& w, const Execution& e) {
    if (!e.reached) return unreachable(w, e.unreachable_why);
    if (e.answer.ok && e.answer.verification && e.answer.verification->in_effect) return verified(w, e.answer.verification->detail);
    if (e.answer.ok && e.answer.verification)
      return fail(w, failure("the change is not in effect: " + e.answer.verification->detail), true);
    // No verdict: the receipt stands and the host is asked again later.
    unknown(w, "applied, could not verify: " + answer_error(e).message);
  }

  // A verify answer with no receipt (the outcome was unknown): the recovered
  // receipt is journaled; a change not in effect is applied again with the
  // plan it was decided on.
  void take_recovery(HostWork& w, const Execution& e) {
    if (!e.reached) return unreachable(w, e.unreachable_why);
    if (!e.answer.ok || !e.answer.verification) return unknown(w, "could not ask whether it took effect: " + answer_error(e).message);
    const Verification& v = *e.answer.verification;
    if (v.in_effect && v.recovered) {
      w.receipt = *v.recovered;
      add(record_kind::step_applied, {{"step", step_.id}, {"host", w.host->name}, {"attempt", w.attempt},
                                      {"receipt", receipt_to_json(*w.receipt)}, {"recovered", true}});
      say(w, "applied (recovered: its outcome was unknown)", v.detail, w.receipt->changes);
      return verified(w, v.detail);
    }
    if (v.in_effect) return unknown(w, "in effect, but its receipt could not be recovered: " + v.detail);
    // Answered: not in effect. Applied again with the plan it was decided on.
    if (!w.planned.empty()) w.decided_plan = w.planned;
    w.next = Next::plan;
  }

  // Verifies what the journal says was applied, and asks hosts whose outcome
  // is unknown; one commit for all of them.
  bool check_phase() {
    std::vector<HostWork*> asked;
    for (auto& w : work_)
      if (w.next == Next::check || w.next == Next::recover) asked.push_back(&w);
    for_each_host(asked.size(), run_.reach->forks(), [&](std::size_t i) {
      HostWork& w = *asked[i];
      StepRequest r = request(w, Operation::verify);
      if (w.next == Next::recover) r.receipt.reset();
      w.first = execute(w, r, false);
    });
    for (HostWork* w : asked) {
      if (w->next == Next::check) take_verification(*w, w->first);
      else {
        take_recovery(*w, w->first);
        if (w->next == Next::plan) say(*w, "checked", "its interrupted attempt did not take effect; applying again");
      }
    }
    // Nothing asked: step.hosts waits for the plans' write, which comes
    // before any change.
    return asked.empty() || commit();
  }

  HostsOutcome plan_and_apply(const std::vector<HostWork*>& hosts) {
    for_each_host(hosts.size(), run_.reach->forks(), [&](std::size_t i) {
      HostWork& w = *hosts[i];
      w.first = execute(w, request(w, Operation::plan), false);
    });
    std::vector<HostWork*> planned;
    json::array summary_changes, summary_hosts;
    for (HostWork* w : hosts) {
      ++w->attempt;
      const Execution& e = w->first;
      if (!e.reached || e.outcome_unknown) {
        // A plan changes nothing: a far side lost while planning is a host
        // not reached.
        unreachable(*w, e.reached ? answer_error(e).message : e.unreachable_why);
        continue;
      }
      if (!e.answer.ok || !e.answer.plan) {
        Error error = answer_error(e);
        fail(*w, error, w->attempt > step_.retries || error.kind != ErrorKind::failed);
        continue;
      }
      w->plan = *e.answer.plan;
      w->planned = w->decided_plan ? *w->decided_plan : w->plan.detail;
      add(record_kind::step_planned, {{"step", step_.id},      {"host", w->host->name},
                                      {"stage", step_.stage},  {"module", step_.module},
                                      {"attempt", w->attempt}, {"params", w->params},
                                      {"changes", string_array(w->plan.changes)}, {"detail", w->planned}});
      for (auto& c : w->plan.changes) summary_changes.push_back(json::string(w->host->name + ": " + c));
      summary_hosts.push_back(json::string(w->host->name));
      planned.push_back(w);
    }
    // A host whose change may already exist was approved before it started
    // (as a local step resumed after its start is not approved again); any
    // other host, e.g. one that was down when the others were approved, or
    // one whose earlier run failed, needs approvals of its own plan.
    bool needs_approval =
        std::any_of(planned.begin(), planned.end(), [](const HostWork* w) { return !w->approved; });
    if (step_.approval > 0 && needs_approval) {
      // One plan of the whole step for the approvers, recorded after each
      // host's own plan: what every host will change, with each host's
      // detail and the parameters, so an approval holds for exactly these.
      json::object details;
      for (HostWork* w : planned) details[w->host->name] = w->planned;
      add(record_kind::step_planned, {{"step", step_.id}, {"stage", step_.stage}, {"module", step_.module},
                                      {"hosts", summary_hosts}, {"changes", summary_changes},
                                      {"detail", json::object{{"hosts", details}, {"params", run_.params}}}});
      if (!commit()) return HostsOutcome::journal_error;
      auto approved = run_.await_approvals(last_seq_);
      if (approved != HostsOutcome::done) return approved;
      for (HostWork* w : planned) w->approved = true;
    }
    if (interrupted_ || interrupt_requested()) {
      if (!commit()) return HostsOutcome::journal_error;
      return HostsOutcome::interrupted;
    }
    return apply_in_order(planned);
  }

  // The module's order (canary, waves), batch by batch: a batch that halts
  // leaves the later ones unstarted (held), and the step fails.
  HostsOutcome apply_in_order(const std::vector<HostWork*>& planned) {
    std::vector<PlannedHost> views;
    for (HostWork* w : planned) views.push_back({w->host->name, &w->host->vars, &w->planned, !w->plan.changes.empty()});
    auto batches = run_.module->order_hosts(w_params(planned), views);
    if (!batches) {
      for (HostWork* w : planned) fail(*w, batches.error(), true);
      if (!commit()) return HostsOutcome::journal_error;
      return HostsOutcome::done;
    }
    if (batches->empty()) return apply_batch(planned);
    for (std::size_t b = 0; b < batches->size(); ++b) {
      const HostBatch& batch = (*batches)[b];
      std::vector<HostWork*> hosts;
      json::array names;
      for (std::size_t i : batch.hosts)
        if (i < planned.size()) {
          hosts.push_back(planned[i]);
          names.push_back(json::string(planned[i]->host->name));
        }
      if (hosts.empty()) continue;
      said_.push_back({step_.id, batch.label, std::to_string(hosts.size()) + " host(s): " + joined(names), {}});
      auto outcome = apply_batch(hosts);
      if (outcome != HostsOutcome::done) return outcome;
      // A canary passes only when every one of its hosts verified; a wave
      // counts every host that failed, will retry, or whose outcome is
      // unknown (a host not reached is pending, not failed).
      json::array failed;
      for (HostWork* w : hosts)
        if (!w->ok && (batch.strict || w->failed || w->unknown || w->next == Next::plan))
          failed.push_back(json::string(w->host->name));
      bool halt = !failed.empty() &&
                  (batch.strict || failed.size() * 100 > static_cast<std::size_t>(step_.max_fail_percentage) * hosts.size());
      json::array held;
      if (halt) {
        for (std::size_t later = b + 1; later < batches->size(); ++later)
          for (std::size_t i : (*batches)[later].hosts)
            if (i < planned.size()) held.push_back(json::string(planned[i]->host->name));
        // Nothing more of this step runs in this run: not the held hosts,
        // not a retry of the failed ones.
        for (auto& w : work_)
          if (w.next == Next::plan) w.next = Next::done;
        halted_ = true;
        halted_at_ = batch.label;
      }
      add(record_kind::step_wave, {{"step", step_.id}, {"wave", batch.label}, {"hosts", names}, {"failed", failed},
                                   {"held", held}, {"outcome", halt ? "halted" : "passed"}});
      said_.push_back({step_.id, batch.label + (halt ? " halted" : " passed"),
                       halt ? std::to_string(failed.size()) + " failed (" + joined(failed) + ")" +
                                  (held.empty() ? "" : "; held, never started: " + joined(held))
                            : (failed.empty() ? "all answered" : std::to_string(failed.size()) + " failed, within max_fail_percentage"),
                       {}});
      if (!commit()) return HostsOutcome::journal_error;
      if (halt) break;
    }
    return HostsOutcome::done;
  }

  // The export directory of a host this step handed to Ansible, if it did.
  const std::string* with_ansible_dir(const std::string& host) const {
    if (!run_.state) return nullptr;
    auto step = run_.state->with_ansible.find(step_.id);
    if (step == run_.state->with_ansible.end()) return nullptr;
    auto found = step->second.find(host);
    return found == step->second.end() ? nullptr : &found->second;
  }
  void say_with_ansible() {
    std::map<std::string, std::string> by_dir;  // export directory -> its hosts
    for (auto& w : work_)
      if (w.with_ansible) {
        std::string& hosts = by_dir[*with_ansible_dir(w.host->name)];
        hosts += (hosts.empty() ? "" : ", ") + w.host->name;
      }
    for (auto& [dir, hosts] : by_dir)
      said_.push_back({step_.id, "with Ansible",
                       hosts + ": exported to " + dir + "; left to Ansible until `responder release import " + run_.incident_id +
                           " RESULTS` (or `responder release resume " + run_.incident_id + " --take-back`)",
                       {}});
  }

  // The batch at which an earlier run of this step halted, if it did.
  const std::string* halted_wave() const {
    if (!run_.state) return nullptr;
    auto found = run_.state->halted.find(step_.id);
    return found == run_.state->halted.end() ? nullptr : &found->second;
  }

  const json::object& w_params(const std::vector<HostWork*>& planned) const {
    return planned.empty() ? run_.params : planned.front()->params;
  }

  static std::string joined(const json::array& names) {
    std::string out;
    for (auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n.get_string());
    return out;
  }

  // Starts `planned` (durable before any apply), applies them `forks` at a
  // time, and journals their receipts and verifications together.
  HostsOutcome apply_batch(const std::vector<HostWork*>& planned) {
    std::string witness;
    for (HostWork* w : planned) {
      add(record_kind::step_started, {{"step", step_.id}, {"host", w->host->name}, {"attempt", w->attempt}});
      say(*w, w->attempt > 1 ? "started (attempt " + std::to_string(w->attempt) + ")" : "started", step_.module, w->plan.changes);
    }
    if (!commit()) return HostsOutcome::journal_error;
    if (auto head = run_.journal->last_appended()) witness = head->text();

    std::vector<char> sent(planned.size(), 0), asked_again(planned.size(), 0);
    for_each_host(planned.size(), run_.reach->forks(), [&](std::size_t i) {
      HostWork& w = *planned[i];
      // Ctrl-C: hosts still queued are not sent their apply.
      if (interrupt_requested()) return;
      sent[i] = 1;
      StepRequest r = request(w, Operation::apply);
      r.receipt.reset();
      r.journal_witness = witness;
      r.then_verify = true;
      w.first = execute(w, r, true);
      w.second = {};
      const Execution& e = w.first;
      if (e.reached && e.answer.ok && e.answer.receipt && e.answer.verification) {
        // Verified in the same call.
        w.second.reached = true;
        w.second.answer.ok = true;
        w.second.answer.version = e.answer.version;
        w.second.answer.identity = e.answer.identity;
        w.second.answer.verification = e.answer.verification;
      } else if (e.reached && e.answer.ok && e.answer.receipt) {
        StepRequest v = request(w, Operation::verify);
        v.receipt = *e.answer.receipt;
        v.just_applied = true;
        w.second = execute(w, v, false);
      } else if (e.outcome_unknown && !interrupt_requested()) {
        // Killed or cut off mid-apply: the host may or may not have the
        // change. Ask it now, as resume would.
        StepRequest v = request(w, Operation::verify);
        v.receipt.reset();
        w.second = execute(w, v, false);
        asked_again[i] = 1;
      }
    });
    for (std::size_t i = 0; i < planned.size(); ++i) {
      HostWork* w = planned[i];
      const Execution& e = w->first;
      if (!sent[i]) {
        fail(*w, interruption("interrupted before its apply was sent"), false);
        continue;
      }
      if (!e.reached) {
        unreachable(*w, e.unreachable_why);
        continue;
      }
      if (e.answer.ok && e.answer.receipt) {
        w->receipt = *e.answer.receipt;
        add(record_kind::step_applied, {{"step", step_.id}, {"host", w->host->name}, {"attempt", w->attempt},
                                        {"receipt", receipt_to_json(*w->receipt)}});
        say(*w, "applied", "", w->receipt->changes);
        take_verification(*w, w->second);
        continue;
      }
      Error error = answer_error(e);
      if (e.outcome_unknown) {
        if (!asked_again[i]) {
          unknown(*w, error.message);
          continue;
        }
        take_recovery(*w, w->second);
        if (w->next == Next::plan) {
          // Answered: not in effect. An ordinary failed attempt.
          fail(*w, failure(error.message), w->attempt > step_.retries);
        }
        continue;
      }
      bool timed_out = step_.timeout && error.message.find("timed out") != std::string::npos;
      bool final = w->attempt > step_.retries || error.kind == ErrorKind::refused || error.kind == ErrorKind::bad_input;
      fail(*w, error, final, timed_out);
    }
    if (!commit()) return HostsOutcome::journal_error;
    if (interrupted_ && interrupt_requested()) return HostsOutcome::interrupted;
    return HostsOutcome::done;
  }

  bool retry_pause() {
    int round = 0;
    for (auto& w : work_) round = std::max(round, w.attempt);
    auto delay = std::chrono::milliseconds(std::min(250 * (1 << std::min(round - 1, 5)), 5000));
    json::array hosts;
    for (auto& w : work_)
      if (w.next == Next::plan) hosts.push_back(json::string(w.host->name));
    add(record_kind::step_retry, {{"step", step_.id}, {"attempt", round + 1}, {"delay_ms", delay.count()}, {"hosts", hosts}});
    if (!commit()) return false;
    auto until = Clock::now() + delay;
    while (Clock::now() < until) {
      if (interrupt_requested()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  HostStepResult finish(HostsOutcome outcome) {
    // Records not yet durable were never written: the run cannot say it
    // did what they record.
    if (!commit() && outcome != HostsOutcome::journal_error) outcome = HostsOutcome::journal_error;
    HostStepResult result;
    result.outcome = outcome;
    result.halted_at = halted_at_;
    json::object outputs;
    for (auto& w : work_) {
      if (w.ok) result.ok.push_back(w.host->name);
      else if (w.failed) result.failed.push_back(w.host->name);
      else if (w.unreachable) result.unreachable.push_back(w.host->name);
      else if (w.with_ansible) result.with_ansible.push_back(w.host->name);
      if (w.unknown) result.outcome_unknown.push_back(w.host->name);
      if (w.receipt) outputs[w.host->name] = w.receipt->output;
      if (w.failed) result.failure = w.error_kind;
    }
    result.registered = json::object{{"hosts", outputs},
                                     {"ok", string_array(result.ok)},
                                     {"failed", string_array(result.failed)},
                                     {"unreachable", string_array(result.unreachable)}};
    return result;
  }

  StepContext store_context_;  // the controller's, for evidence stored here
  const HostStepRun& run_;
  const Step& step_;
  const std::string instance_;  // incident_instance() of the journal
  std::vector<HostWork> work_;
  std::vector<JournalEntry> pending_;
  std::vector<Said> said_;
  std::mutex progress_mutex_;
  std::uint64_t last_seq_ = 0;
  bool refused_ = false, interrupted_ = false;
  bool halted_ = false;  // a batch of the module's order halted the step
  std::string halted_at_;  // and which
};

}  // namespace

HostStepResult run_step_on_hosts(const HostStepRun& run) {
  StepOnHosts step(run);
  return step.go();
}

json::object registered_from_state(const IncidentState& state, const std::string& step_id) {
  json::object outputs;
  std::vector<std::string> ok, failed, unreachable;
  auto hosts = state.step_hosts.find(step_id);
  if (hosts != state.step_hosts.end())
    for (auto& h : hosts->second) {
      const StepState* s = state.find(step_id, h.name);
      if (!s) continue;
      if (s->receipt) outputs[h.name] = s->receipt->output;
      if (s->status == StepStatus::verified || s->status == StepStatus::undone) ok.push_back(h.name);
      else if (s->status == StepStatus::failed) failed.push_back(h.name);
      else if (s->unreachable) unreachable.push_back(h.name);
    }
  return json::object{{"hosts", outputs}, {"ok", string_array(ok)}, {"failed", string_array(failed)},
                      {"unreachable", string_array(unreachable)}};
}

}  // namespace responder::targets
