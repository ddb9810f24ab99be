#include "responder/report/incident_report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <cstdio>
#include <set>
#include <unordered_map>

#include "responder/address.h"
#include "responder/approval_tally.h"
#include "responder/approvers.h"
#include "responder/clock.h"
#include "responder/journal_record_kind.h"
#include "responder/report/patch_compliance.h"

namespace responder {
namespace {

namespace kind = record_kind;

json::value seconds_between(const std::string& from, const std::string& to) {
  auto a = rfc3339_to_unix_ms(from), b = rfc3339_to_unix_ms(to);
  if (!a || !b || *b < *a) return nullptr;
  return static_cast<double>(*b - *a) / 1000.0;
}

json::value text_or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }

std::vector<std::string> strings_of(const json::value* v) {
  std::vector<std::string> out;
  if (v && v->is_array())
    for (auto& e : v->as_array())
      if (e.is_string()) out.emplace_back(e.as_string());
  return out;
}

// Every string inside a JSON value (parameters), for matching assets.
void collect_strings(const json::value& v, std::set<std::string>& out, int depth = 0) {
  if (depth > 16) return;
  if (v.is_string()) out.emplace(v.as_string());
  else if (v.is_array())
    for (auto& e : v.as_array()) collect_strings(e, out, depth + 1);
  else if (v.is_object())
    for (auto& [k, e] : v.as_object()) collect_strings(e, out, depth + 1);
}

bool is_evidence_module(const std::string& module) {
  return module.rfind("evidence.", 0) == 0 || module == "traffic.capture";
}
bool is_notification_module(const std::string& module) { return module.rfind("notify.", 0) == 0; }

// One step on one host (host empty: the controller itself).
struct StepTrack {
  std::string step, host, stage, module;
  json::object params;
  std::vector<std::string> planned_changes, changes;
  std::string planned, started, applied, verified, failed, skipped, undo_started, undone, undo_failed;
  std::string applied_by, error, error_kind, verify_detail, undo_error, unreachable;
  bool final_failure = false, has_undo = false, still_shown = false;
  std::string undo_check;                 // what the component showed after the undo
  std::optional<std::int64_t> lapses_ms;  // the change lifts itself then (expires, confirm_within)
  int attempts = 0;
  json::value output;
  std::uint64_t first_seq = 0;
};

std::string describe(const JournalRecord& r) {
  const auto& f = r.fields;
  auto field = [&](const char* k) { return r.text(k); };
  std::string host = field("host").empty() ? "" : " on " + field("host");
  if (r.kind == kind::incident_opened) {
    std::string name;
    if (auto* p = f.if_contains("playbook"); p && p->is_object())
      if (auto* n = p->as_object().if_contains("name"); n && n->is_string()) name = std::string(n->as_string());
    return "incident opened with playbook " + name;
  }
  if (r.kind == kind::incident_reopened) return "run again (attempt " + display(f.if_contains("attempt") ? f.at("attempt") : json::value()) +
                                               "; the earlier attempts started no step)";
  if (r.kind == kind::variables_changed) {
    std::string text;
    const json::object* previous = f.if_contains("previous") && f.at("previous").is_object() ? &f.at("previous").as_object() : nullptr;
    if (auto* v = f.if_contains("variables"); v && v->is_object())
      for (auto& [name, value] : v->as_object()) {
        const json::value* old = previous ? previous->if_contains(name) : nullptr;
        text += (text.empty() ? "" : ", ") + std::string(name) + " " + (old ? display(*old) : "?") + " -> " + display(value);
      }
    return "variables corrected on resume: " + text;
  }
  if (r.kind == kind::run_started) {
    auto* resumed = f.if_contains("resumed");
    return resumed && resumed->is_bool() && resumed->as_bool() ? "run resumed" : "run started";
  }
  if (r.kind == kind::run_finished) return "run finished: " + field("outcome");
  if (r.kind == kind::run_interrupted) return "run interrupted: " + field("reason");
  if (r.kind == kind::stage_started) return "stage " + field("stage");
  if (r.kind == kind::step_planned) {
    auto changes = strings_of(f.if_contains("changes"));
    return field("step") + host + " planned (" + field("module") + ")" + (changes.empty() ? "" : ": " + changes.front());
  }
  if (r.kind == kind::step_skipped) return field("step") + " skipped: when " + field("when");
  if (r.kind == kind::approval_waiting) return field("step") + " waits for approval";
  if (r.kind == kind::approval) return field("step") + " approved by " + field("by");
  if (r.kind == kind::step_started) return field("step") + host + " started";
  if (r.kind == kind::step_applied) {
    std::vector<std::string> changes;
    if (auto* rc = f.if_contains("receipt"); rc && rc->is_object()) changes = strings_of(rc->as_object().if_contains("changes"));
    return field("step") + host + " applied" + (changes.empty() ? "" : ": " + changes.front());
  }
  if (r.kind == kind::step_verified) return field("step") + host + " verified: " + field("detail");
  if (r.kind == kind::step_failed) return field("step") + host + " failed: " + field("error");
  if (r.kind == kind::step_retry) return field("step") + host + " will be retried";
  if (r.kind == kind::host_unreachable) return field("step") + ": " + field("host") + " unreachable";
  if (r.kind == kind::undo_started) return field("step") + host + " undo started (" + field("reason") + ")";
  if (r.kind == kind::step_undone) return field("step") + host + " undone";
  if (r.kind == kind::undo_failed) return field("step") + host + " undo failed: " + field("error");
  if (r.kind == kind::step_confirmed) return field("step") + host + " confirmed";
  if (r.kind == kind::notify_acked) return field("step") + ": " + field("contact") + " acknowledged";
  if (r.kind == kind::channel_compromised) return "channel " + field("channel") + " marked compromised: " + field("reason");
  if (r.kind == kind::host_prepared) return field("host") + " prepared: " + field("outcome");
  if (r.kind == kind::step_hosts) return field("step") + " acts on its hosts";
  if (r.kind == kind::drill_scored)
    return std::string("drill scored: ") + (f.if_contains("passed") && f.at("passed") == json::value(true) ? "passed" : "failed");
  return r.kind;
}

// A merged set of [from, to) millisecond windows.
std::vector<std::pair<std::int64_t, std::int64_t>> merged(std::vector<std::pair<std::int64_t, std::int64_t>> windows) {
  std::sort(windows.begin(), windows.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  for (auto& w : windows) {
    if (!out.empty() && w.first <= out.back().second) out.back().second = std::max(out.back().second, w.second);
    else out.push_back(w);
  }
  return out;
}

double rounded(double value) { return std::round(value * 100.0) / 100.0; }

class ReportBuilder {
 public:
  ReportBuilder(const ReportJournal& journal, const ReviewInput& review) : journal_(journal), review_(review) {}

  Result<json::object> build() {
    const auto& records = journal_.contents->records;
    if (records.empty() || records.front().kind != kind::incident_opened)
      return bad_input("the journal of " + journal_.incident_id + " does not start with incident.opened");
    first_time_ = records.front().time;
    last_time_ = records.back().time;
    json::array timeline;
    timeline.reserve(records.size());
    for (auto& r : records) {
      track(r);
      json::object event(8);
      event.emplace("seq", r.seq);
      event.emplace("time", r.time);
      event.emplace("kind", r.kind);
      event.emplace("actor", r.actor);
      event.emplace("text", describe(r));
      if (auto step = r.text("step"); !step.empty()) event.emplace("step", std::move(step));
      if (auto host = r.text("host"); !host.empty()) event.emplace("host", std::move(host));
      if (auto stage = stage_of(r); !stage.empty()) event.emplace("stage", std::move(stage));
      timeline.push_back(std::move(event));
    }
    json::object doc;
    doc["report"] = json::object{{"format", kReportFormatVersion},
                                 {"incident", journal_.incident_id},
                                 {"journal_verified", journal_.verified},
                                 {"journal_problem", text_or_null(journal_.verification_problem)},
                                 {"journal_head", journal_.head_witness},
                                 {"as_of", last_time_}};
    doc["summary"] = summary(records.front());
    doc["stages"] = stages();
    doc["timeline"] = std::move(timeline);
    doc["steps"] = steps();
    doc["approvals"] = approvals();
    doc["containment"] = containment();
    doc["evidence"] = evidence();
    doc["notifications"] = notifications();
    doc["patch_compliance"] = patch_compliance();
    doc["change_requests"] = change_requests();
    doc["cost"] = cost();
    doc["weaknesses"] = string_array(review_.weaknesses);
    doc["questions"] = questions();
    doc["open_items"] = open_items();
    return doc;
  }

 private:
  std::string stage_of(const JournalRecord& r) const {
    if (r.kind == kind::stage_started) return r.text("stage");
    if (!r.text("stage").empty()) return r.text("stage");
    auto it = step_stage_.find(r.text("step"));
    return it == step_stage_.end() ? "" : it->second;
  }

  StepTrack& at(const JournalRecord& r) {
    std::string key = r.text("step") + '\n' + r.text("host");
    auto [it, fresh] = tracks_.try_emplace(key);
    if (fresh) {
      it->second.step = r.text("step");
      it->second.host = r.text("host");
      it->second.first_seq = r.seq;
      order_.push_back(key);
    }
    return it->second;
  }

  void track(const JournalRecord& r) {
    const auto& f = r.fields;
    if (r.kind == kind::incident_opened || r.kind == kind::incident_reopened) {
      if (r.kind == kind::incident_reopened) {
        // The steps, stages and approvals are the current attempt's; the
        // earlier attempts (which started no step) stay in the timeline.
        tracks_.clear();
        order_.clear();
        approval_records_.clear();
        acks_.clear();
        fleet_steps_.clear();
        stage_first_.clear();
        stage_order_.clear();
      }
      if (auto* p = f.if_contains("playbook"); p && p->is_object()) playbook_ = p->as_object();
      if (auto* v = f.if_contains("variables"); v && v->is_object()) variables_ = v->as_object();
      opened_host_ = r.text("host");
      return;
    }
    if (r.kind == kind::variables_changed) {
      if (auto* v = f.if_contains("variables"); v && v->is_object())
        for (auto& [name, value] : v->as_object()) variables_[name] = value;
      return;
    }
    if (r.kind == kind::stage_started) {
      current_stage_ = r.text("stage");
      if (stage_first_.find(current_stage_) == stage_first_.end()) {
        stage_first_[current_stage_] = r.time;
        stage_order_.push_back(current_stage_);
      }
      return;
    }
    if (r.kind == kind::run_finished) {
      outcome_ = r.text("outcome");
      return;
    }
    if (r.kind == kind::drill_scored) {
      json::array lines;
      if (auto* s = r.fields.if_contains("summary"); s && s->is_array())
        for (auto& line : s->get_array())
          if (line.is_string()) lines.push_back(line);
      auto* passed = r.fields.if_contains("passed");
      drill_score_ = json::object{{"scenario", r.text("scenario")},
                                  {"passed", passed && passed->is_bool() && passed->get_bool()},
                                  {"scored", r.time},
                                  {"lines", std::move(lines)}};
      return;
    }
    if (r.kind == kind::run_started || r.kind == kind::run_interrupted) {
      outcome_ = r.kind == kind::run_started ? "running" : "interrupted";
      return;
    }
    if (r.kind == kind::approval) {
      approval_records_.push_back(&r);
      return;
    }
    if (r.kind == kind::notify_acked) {
      acks_[r.text("step")].push_back(r.text("contact"));
      return;
    }
    if (r.kind == kind::step_hosts) {
      fleet_steps_.insert(r.text("step"));
      return;
    }
    if (r.text("step").empty() || r.kind == kind::approval_waiting || r.kind == kind::step_retry) return;
    // A step with targets: is reported per host; its host-less plan (the
    // summary its approval is for) is not a step of its own. Its host-less
    // failures (bad parameters, no host to reach) are.
    if (r.kind == kind::step_planned && r.text("host").empty() && fleet_steps_.count(r.text("step"))) return;
    StepTrack& t = at(r);
    if (!current_stage_.empty() && t.stage.empty()) t.stage = current_stage_;
    if (r.kind == kind::step_planned) {
      t.stage = r.text("stage").empty() ? t.stage : r.text("stage");
      t.module = r.text("module");
      if (auto* p = f.if_contains("params"); p && p->is_object()) t.params = p->as_object();
      t.planned_changes = strings_of(f.if_contains("changes"));
      if (t.planned.empty()) t.planned = r.time;
      step_stage_[t.step] = t.stage;
      step_module_[t.step] = t.module;
    } else if (r.kind == kind::step_started) {
      if (t.started.empty()) t.started = r.time;
      ++t.attempts;
      t.failed.clear();
      t.error.clear();
    } else if (r.kind == kind::step_applied || r.kind == kind::step_confirmed) {
      if (r.kind == kind::step_applied) {
        t.applied = r.time;
        t.applied_by = r.actor;
        t.failed.clear();
        t.error.clear();
        // Applied again after an undo (a resumed run): in force anew, not yet
        // verified. Only the latest window is reported.
        t.verified.clear();
        t.verify_detail.clear();
        t.undone.clear();
        t.undo_started.clear();
        t.undo_failed.clear();
        t.undo_error.clear();
        t.undo_check.clear();
        t.still_shown = false;
      }
      if (auto* rc = f.if_contains("receipt"); rc && rc->is_object()) {
        const auto& receipt = rc->as_object();
        t.changes = strings_of(receipt.if_contains("changes"));
        auto* undo = receipt.if_contains("undo");
        t.has_undo = undo && undo->is_object() && !undo->as_object().empty();
        t.lapses_ms.reset();
        if (t.has_undo)
          for (const char* k : {"expires_at_ms", "confirm_by_ms"})
            if (auto* v = undo->as_object().if_contains(k); v && v->is_int64())
              t.lapses_ms = t.lapses_ms ? std::min(*t.lapses_ms, v->as_int64()) : v->as_int64();
        if (auto* out = receipt.if_contains("output")) t.output = *out;
      }
    } else if (r.kind == kind::step_verified) {
      t.verified = r.time;
      t.verify_detail = r.text("detail");
      t.failed.clear();
      t.error.clear();
    } else if (r.kind == kind::step_failed) {
      t.failed = r.time;
      t.error = r.text("error");
      t.error_kind = r.text("error_kind");
      auto* fin = f.if_contains("final");
      t.final_failure = fin && fin->is_bool() && fin->as_bool();
    } else if (r.kind == kind::step_skipped) {
      t.skipped = r.time;
      t.stage = r.text("stage").empty() ? t.stage : r.text("stage");
    } else if (r.kind == kind::undo_started) {
      t.undo_started = r.time;
    } else if (r.kind == kind::step_undone) {
      t.undone = r.time;
      t.undo_error.clear();
      t.undo_check = r.text("verified");
      auto* shown = f.if_contains("still_in_effect");
      t.still_shown = shown && shown->is_bool() && shown->as_bool();
      // A later undo of the same module on the same host that finds the
      // state gone answers the earlier "still shown" too.
      // Only once some undo found its state still shown (rare) is there
      // anything to answer: a fleet undo does not scan every step per host.
      any_still_shown_ = any_still_shown_ || t.still_shown;
      if (!t.still_shown && any_still_shown_)
        for (auto& [key, other] : tracks_)
          if (other.still_shown && other.module == t.module && other.host == t.host) other.still_shown = false;
    } else if (r.kind == kind::undo_failed) {
      t.undo_failed = r.time;
      t.undo_error = r.text("error");
    } else if (r.kind == kind::host_unreachable) {
      t.unreachable = r.text("why").empty() ? r.text("reason") : r.text("why");
    }
    if (t.module.empty()) {
      auto it = step_module_.find(t.step);
      if (it != step_module_.end()) t.module = it->second;
    }
  }

  std::string status(const StepTrack& t) const {
    if (!t.undone.empty()) return "undone";
    if (!t.skipped.empty()) return "skipped";
    if (!t.failed.empty()) return "failed";
    if (!t.verified.empty()) return "verified";
    if (!t.applied.empty()) return "applied";
    if (!t.unreachable.empty()) return "unreachable";
    if (!t.started.empty()) return "started";
    return "planned";
  }

  // When the change stopped being in force: its undo, or the moment it
  // lifted itself (expires, confirm_within) if that came first and before
  // the last record; else the last record (still in force).
  std::string released_at(const StepTrack& t) const {
    std::string end = t.undone.empty() ? last_time_ : t.undone;
    if (t.lapses_ms) {
      // Only a lapse between the apply and the end counts (an edited or
      // skewed value outside it is ignored, and never converted).
      auto e = rfc3339_to_unix_ms(end), a = rfc3339_to_unix_ms(t.applied);
      if (e && a && *t.lapses_ms >= *a && *t.lapses_ms < *e)
        return format_rfc3339(SystemTime(std::chrono::milliseconds(*t.lapses_ms)));
    }
    return end;
  }

  bool in_force(const StepTrack& t) const {
    return t.has_undo && !t.applied.empty() && t.undone.empty() && released_at(t) == last_time_;
  }

  json::object summary(const JournalRecord& opened) const {
    int applied = 0, failed = 0, skipped = 0, undone = 0, contained = 0, held = 0;
    for (auto& [key, t] : tracks_) {
      std::string s = status(t);
      if (!t.applied.empty()) ++applied;
      if (s == "failed") ++failed;
      if (s == "skipped") ++skipped;
      if (s == "undone") ++undone;
      if (t.has_undo && !t.applied.empty()) ++contained;
      if (in_force(t)) ++held;
    }
    auto play = [&](const char* k) {
      auto* v = playbook_.if_contains(k);
      return v && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    std::string outcome = outcome_.empty() ? "running" : outcome_;
    return json::object{{"incident", journal_.incident_id},
                        {"playbook", json::object{{"name", play("name")},
                                                  {"file", play("file")},
                                                  {"sha256", play("sha256")},
                                                  {"description", journal_.description},
                                                  {"severity", journal_.severity}}},
                        {"drill", journal_.drill},
                        {"drill_score", drill_score_},
                        {"opened", opened.time},
                        {"opened_by", opened.actor},
                        {"controller", opened_host_},
                        {"variables", variables_},
                        {"outcome", outcome},
                        {"first_record", first_time_},
                        {"last_record", last_time_},
                        {"duration_seconds", seconds_between(first_time_, last_time_)},
                        {"records", journal_.contents->records.size()},
                        {"counts", json::object{{"steps", tracks_.size()},
                                                {"applied", applied},
                                                {"failed", failed},
                                                {"skipped", skipped},
                                                {"undone", undone},
                                                {"containment_changes", contained},
                                                {"still_in_force", held},
                                                {"approvals", approval_records_.size()},
                                                {"evidence_items", evidence_items().size()}}}};
  }

  json::array stages() const {
    json::array out;
    for (std::size_t i = 0; i < stage_order_.size(); ++i) {
      const std::string& name = stage_order_[i];
      std::string end = i + 1 < stage_order_.size() ? stage_first_.at(stage_order_[i + 1]) : last_time_;
      out.push_back(json::object{{"name", name}, {"started", stage_first_.at(name)}, {"until", end}});
    }
    return out;
  }

  json::array steps() const {
    json::array out;
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      out.push_back(json::object{{"step", t.step},
                                 {"host", text_or_null(t.host)},
                                 {"stage", t.stage},
                                 {"module", t.module},
                                 {"status", status(t)},
                                 {"attempts", t.attempts},
                                 {"planned", text_or_null(t.planned)},
                                 {"started", text_or_null(t.started)},
                                 {"applied", text_or_null(t.applied)},
                                 {"verified", text_or_null(t.verified)},
                                 {"failed", text_or_null(t.failed)},
                                 {"skipped", text_or_null(t.skipped)},
                                 {"undone", text_or_null(t.undone)},
                                 {"changes", string_array(t.changes.empty() ? t.planned_changes : t.changes)},
                                 {"verification", text_or_null(t.verify_detail)},
                                 {"error", text_or_null(t.error)}});
    }
    return out;
  }

  json::array approvals() const {
    // Counted as the runner counts them, when the caller gave the approvers.
    json::array out;
    // The runner counts each approver once per step: a second approval by
    // the same name is recorded, not counted.
    std::set<std::pair<std::string, std::string>> counted_already;
    for (const JournalRecord* r : approval_records_) {
      std::string step = r->text("step");
      json::object entry{{"step", step}, {"by", r->text("by")}, {"time", r->time}, {"os_user", r->text("os_user")},
                         {"signed", r->fields.contains("signature")}};
      if (journal_.approvers) {
        const ApprovalTally& tally = tally_of(step);
        std::string refused;
        for (auto& rf : tally.refused)
          if (rf.seq == r->seq) refused = rf.reason;
        entry["authenticated"] = tally.authenticated;
        if (refused.empty() && !counted_already.insert({step, normalise_approver_name(r->text("by"))}).second)
          refused = "already counted: " + r->text("by") + " approved this step before";
        entry["counted"] = refused.empty();
        entry["refused_because"] = text_or_null(refused);
      } else {
        entry["authenticated"] = false;
        entry["counted"] = nullptr;
        entry["refused_because"] = nullptr;
      }
      out.push_back(std::move(entry));
    }
    return out;
  }

  // One tally per step, signatures checked once for the whole report.
  const ApprovalTally& tally_of(const std::string& step) const {
    auto [it, fresh] = tallies_.try_emplace(step);
    if (fresh) it->second = tally_approvals(*journal_.approvers, journal_.incident_id, *journal_.contents, step, &verdicts_);
    return it->second;
  }

  // The approvals of `step` that count (as the runner counts them, when the
  // caller gave the approvers), else every recorded one.
  std::vector<std::string> counted_approvers(const std::string& step) const {
    if (journal_.approvers) return tally_of(step).approvers;
    std::vector<std::string> out;
    for (const JournalRecord* r : approval_records_)
      if (r->text("step") == step && std::find(out.begin(), out.end(), r->text("by")) == out.end())
        out.push_back(r->text("by"));
    return out;
  }

  json::array containment() const {
    json::array out;
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      if (!t.has_undo || t.applied.empty()) continue;
      std::string until = released_at(t);
      out.push_back(json::object{{"step", t.step},
                                 {"host", text_or_null(t.host)},
                                 {"stage", t.stage},
                                 {"module", t.module},
                                 {"changes", string_array(t.changes)},
                                 {"applied", t.applied},
                                 {"released", text_or_null(in_force(t) ? std::string() : until)},
                                 {"in_force", in_force(t)},
                                 {"undo_error", text_or_null(t.undo_error)},
                                 {"seconds", seconds_between(t.applied, until)}});
    }
    return out;
  }

  json::array evidence_items() const {
    json::array items;
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      if (!is_evidence_module(t.module) || t.applied.empty() || !t.output.is_object()) continue;
      auto* list = t.output.as_object().if_contains("items");
      if (!list || !list->is_array()) continue;
      for (auto& item : list->as_array()) {
        if (!item.is_object()) continue;
        const auto& o = item.as_object();
        auto str = [&](const char* k) {
          auto* v = o.if_contains(k);
          return v && v->is_string() ? json::value(v->as_string()) : json::value(nullptr);
        };
        json::value size = nullptr;
        if (auto* s = o.if_contains("size"); s && (s->is_int64() || s->is_uint64())) size = *s;
        json::value source = str("source");
        if (source.is_null()) source = str("artifact");
        items.push_back(json::object{{"step", t.step},
                                     {"host", text_or_null(t.host)},
                                     {"time", t.applied},
                                     {"path", str("path")},
                                     {"source", source},
                                     {"sha256", str("sha256")},
                                     {"size", size}});
      }
    }
    return items;
  }

  json::object evidence() const {
    json::value seal = nullptr;
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      if (t.module != "evidence.seal" || t.applied.empty() || !t.output.is_object()) continue;
      const auto& o = t.output.as_object();
      json::object s{{"step", t.step}, {"time", t.applied}};
      for (const char* k : {"merkle_root", "public_key_sha256", "items", "manifest_sha256", "timestamp"})
        if (auto* v = o.if_contains(k)) s[k] = *v;
      seal = std::move(s);
    }
    return json::object{{"items", evidence_items()}, {"seal", seal}};
  }

  json::array notifications() const {
    json::array out;
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      if (!is_notification_module(t.module)) continue;
      auto acks = acks_.find(t.step);
      out.push_back(json::object{{"step", t.step},
                                 {"host", text_or_null(t.host)},
                                 {"module", t.module},
                                 {"time", text_or_null(t.applied.empty() ? t.failed : t.applied)},
                                 {"status", status(t)},
                                 {"changes", string_array(t.changes.empty() ? t.planned_changes : t.changes)},
                                 {"acknowledged_by", string_array(acks == acks_.end() ? std::vector<std::string>{}
                                                                                      : acks->second)}});
    }
    return out;
  }

  json::array patch_compliance() const { return patch_compliance_rows(*journal_.contents); }

  json::array change_requests() const {
    json::array out;
    int n = 0;
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      if (!t.has_undo || t.applied.empty()) continue;
      ++n;
      std::vector<std::string> approvers = counted_approvers(t.step);
      std::string where = t.host.empty() ? (opened_host_.empty() ? "the controller" : opened_host_) : t.host;
      std::string backout = "responder undo " + journal_.incident_id + " --step " + t.step +
                            (t.host.empty() ? "" : " --host " + t.host) + ": restores exactly what the receipt of " +
                            t.applied + " recorded";
      std::string released = released_at(t);
      bool lapsed = !in_force(t) && released != t.undone;
      std::string state = lapsed ? "lifted itself (expiry) at " + released +
                                       (t.undone.empty() ? "" : "; undo recorded at " + t.undone)
                          : !t.undone.empty() ? "backed out at " + t.undone
                          : t.undo_error.empty() ? "still in force"
                                                 : "undo failed: " + t.undo_error;
      char id[64];
      std::snprintf(id, sizeof id, "CR-%03d", n);
      out.push_back(json::object{
          {"id", std::string(id)},
          {"title", "Emergency change during incident " + journal_.incident_id + ": " + t.module + " (" + t.step + ") on " + where},
          {"reason", "Made under incident response in stage " + t.stage + " of playbook " + playbook_name() +
                         ", without the usual change review"},
          {"changes", string_array(t.changes)},
          {"host", where},
          {"applied", t.applied},
          {"by", t.applied_by},
          {"approved_by", string_array(approvers)},
          {"testing", t.verify_detail.empty() ? "none recorded"
                                              : "the module's own check against the live system: " + t.verify_detail},
          {"testing_skipped", "regression and acceptance testing, peer review and a scheduled change window"},
          {"backout", backout},
          {"state", state}});
    }
    return out;
  }

  std::string playbook_name() const {
    auto* v = playbook_.if_contains("name");
    return v && v->is_string() ? std::string(v->as_string()) : "";
  }

  // Whether `asset` is touched by the containment change `t`.
  bool touches(const ReviewAsset& asset, const StepTrack& t) const {
    std::set<std::string> strings;
    collect_strings(t.params, strings);
    if (!t.host.empty()) strings.insert(t.host);
    for (auto& m : asset.match) {
      if (strings.count(m)) return true;
      // An address inside a blocked network is touched by that block.
      auto ip = parse_cidr(m);
      if (!ip) continue;
      for (auto& s : strings) {
        auto net = parse_cidr(s);
        if (net && net->overlaps(*ip)) return true;
      }
    }
    return false;
  }

  json::object cost() const {
    json::array assets;
    double total = 0;
    for (auto& asset : review_.assets) {
      std::vector<std::pair<std::int64_t, std::int64_t>> windows;
      json::array steps;
      bool ongoing = false;
      for (auto& key : order_) {
        const StepTrack& t = tracks_.at(key);
        if (!t.has_undo || t.applied.empty() || !touches(asset, t)) continue;
        auto from = rfc3339_to_unix_ms(t.applied);
        auto to = rfc3339_to_unix_ms(released_at(t));
        if (in_force(t)) ongoing = true;
        if (from && to && *to >= *from) windows.emplace_back(*from, *to);
        steps.push_back(json::string(t.step + (t.host.empty() ? "" : "@" + t.host)));
      }
      double seconds = 0;
      for (auto& w : merged(windows)) seconds += static_cast<double>(w.second - w.first) / 1000.0;
      double amount = rounded(seconds / 3600.0 * asset.cost_per_hour);
      total += amount;
      assets.push_back(json::object{{"name", asset.name},
                                    {"cost_per_hour", asset.cost_per_hour},
                                    {"downtime_seconds", std::round(seconds * 1000.0) / 1000.0},
                                    {"ongoing", ongoing},
                                    {"steps", std::move(steps)},
                                    {"cost", amount}});
    }
    json::array effort;
    for (auto& e : review_.effort) {
      double amount = rounded(e.hours * e.cost_per_hour);
      total += amount;
      effort.push_back(json::object{
          {"by", e.by}, {"what", text_or_null(e.what)}, {"hours", e.hours}, {"cost_per_hour", e.cost_per_hour}, {"cost", amount}});
    }
    return json::object{{"currency", review_.currency},
                        {"assets", std::move(assets)},
                        {"effort", std::move(effort)},
                        {"total", rounded(total)},
                        {"as_of", last_time_}};
  }

  json::array questions() const {
    json::array out = string_array(review_.questions);
    // The questions the journal itself raises, for the review meeting.
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      if (status(t) == "failed")
        out.push_back(json::string("Why did " + t.step + (t.host.empty() ? "" : " on " + t.host) + " fail (" + t.error +
                                   "), and what would have prevented it?"));
    }
    std::string first_containment;
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      if (t.has_undo && !t.applied.empty() && (first_containment.empty() || t.applied < first_containment))
        first_containment = t.applied;
    }
    if (!first_containment.empty()) {
      auto s = seconds_between(first_time_, first_containment);
      if (s.is_double())
        out.push_back(json::string("Containment took effect " + std::to_string(static_cast<long long>(s.as_double() / 60)) +
                                   " minute(s) after the incident was opened: what would make it faster?"));
    }
    return out;
  }

  json::array open_items() const {
    json::array out;
    if (!journal_.verified) out.push_back(json::string("The journal failed verification: " + journal_.verification_problem));
    for (auto& key : order_) {
      const StepTrack& t = tracks_.at(key);
      std::string who = t.step + (t.host.empty() ? "" : " on " + t.host);
      if (t.still_shown)
        out.push_back(json::string("Undone, but the live system still shows its state: " + who + ": " + t.undo_check +
                                   " (something else may hold it: check before closing)"));
      if (in_force(t))
        out.push_back(json::string("Still in force: " + who + " (" + t.module + ")" +
                                   (t.undo_error.empty() ? "" : "; its undo failed: " + t.undo_error)));
      else if (status(t) == "failed")
        out.push_back(json::string("Failed: " + who + ": " + t.error));
      else if (status(t) == "unreachable")
        out.push_back(json::string("Unreachable: " + who + ": " + t.unreachable));
      else if ((status(t) == "planned" || status(t) == "started") && t.step != journal_.written_by_step)
        out.push_back(json::string("Not finished: " + who + " (" + status(t) + ")"));
    }
    bool evidence = false, sealed = false;
    for (auto& [key, t] : tracks_) {
      if (is_evidence_module(t.module) && t.module != "evidence.seal" && !t.applied.empty()) evidence = true;
      if (t.module == "evidence.seal" && !t.applied.empty()) sealed = true;
    }
    if (evidence && !sealed) out.push_back(json::string("The evidence is not sealed: run a step with evidence.seal"));
    std::string outcome = outcome_.empty() ? "running" : outcome_;
    if (outcome == "running")
      out.push_back(json::string("The run had not finished when this report was made"));
    else if (outcome != "completed")
      out.push_back(json::string("The run ended " + outcome + ", not completed"));
    return out;
  }

  const ReportJournal& journal_;
  const ReviewInput& review_;
  std::unordered_map<std::string, StepTrack> tracks_;
  bool any_still_shown_ = false;
  std::vector<std::string> order_;
  std::unordered_map<std::string, std::string> step_stage_, step_module_;
  std::map<std::string, std::string> stage_first_;
  std::vector<std::string> stage_order_;
  std::vector<const JournalRecord*> approval_records_;
  std::set<std::string> fleet_steps_;
  mutable std::map<std::string, ApprovalTally> tallies_;
  mutable SignatureVerdicts verdicts_;
  std::map<std::string, std::vector<std::string>> acks_;
  json::object playbook_, variables_;
  std::string opened_host_, current_stage_, outcome_, first_time_, last_time_;
  // The last drill.scored record's measure, or null.
  json::value drill_score_;
};

}  // namespace

Result<json::object> build_incident_report(const ReportJournal& journal, const ReviewInput& review) {
  return ReportBuilder(journal, review).build();
}

}  // namespace responder
