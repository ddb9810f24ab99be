#include "responder/drill/drill_score.h"

#include <cstdio>

#include "responder/journal_record_kind.h"

namespace responder::drill {
namespace {

std::int64_t ms_of(const std::string& rfc3339) { return rfc3339_to_unix_ms(rfc3339).value_or(0); }

std::string seconds_text(std::int64_t ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(ms) / 1000.0);
  return text;
}

// The first record of `kinds` for a step of one of `modules`, and that step.
struct Found {
  std::int64_t ms = 0;
  std::string step;
  const JournalRecord* record = nullptr;
};
Found first_done(const Playbook& playbook, const JournalContents& journal, std::initializer_list<std::string_view> modules,
                 std::string_view kind = record_kind::step_verified) {
  for (auto& r : journal.records) {
    if (r.kind != kind) continue;
    const Step* step = playbook.find_step(r.text("step"));
    if (!step) continue;
    for (auto m : modules)
      if (step->module == m) return {ms_of(r.time), step->id, &r};
  }
  return {};
}

bool uses(const Playbook& playbook, std::string_view module) {
  for (const Step* step : playbook.all_steps())
    if (step->module == module) return true;
  return false;
}

const json::object* applied_output(const JournalContents& journal, const std::string& step) {
  for (auto& r : journal.records)
    if (r.kind == record_kind::step_applied && r.text("step") == step)
      if (auto* receipt = r.fields.if_contains("receipt"); receipt && receipt->is_object())
        if (auto* out = receipt->as_object().if_contains("output"); out && out->is_object()) return &out->as_object();
  return nullptr;
}

}  // namespace

DrillScore score_drill(const Scenario& scenario, const Playbook& playbook, const JournalContents& journal,
                       const DrillTimeline& timeline, const std::vector<CounterSample>& samples,
                       const std::vector<std::string>& restored_problems) {
  DrillScore score;
  const std::int64_t t0 = timeline.attack_started_ms;
  json::object times;
  std::vector<std::string> failed;
  auto since_attack = [&](const char* key, std::int64_t ms, const std::string& label, const std::string& how) {
    if (ms > 0) {
      times[key] = ms - t0;
      score.lines.push_back(label + ": " + seconds_text(ms - t0) + " after the attack began (" + how + ")");
    } else {
      times[key] = nullptr;
      score.lines.push_back(label + ": " + how);
    }
  };

  // Detection: the analysis that named an attack in the lab's own traffic.
  Found analysis = first_done(playbook, journal, {"traffic.analyze"});
  std::string kind = "none";
  if (analysis.record)
    if (auto* out = applied_output(journal, analysis.step))
      if (auto* k = out->if_contains("kind"); k && k->is_string()) kind = std::string(k->get_string());
  bool detected = analysis.record && kind != "none" && (scenario.expected_kind.empty() || kind == scenario.expected_kind);
  since_attack("detected_ms", detected ? analysis.ms : 0, "detected",
               detected ? "step " + analysis.step + " found a " + kind + " attack in the lab's capture"
               : !analysis.record ? "no traffic analysis ran"
               : kind == "none"   ? "the analysis found no attack in the lab's capture"
                                  : "the analysis called it " + kind + ", not " + scenario.expected_kind);
  if (!detected) failed.push_back("the attack was not detected");

  // The first notify.send step that delivered to someone.
  Found notice;
  for (auto& r : journal.records) {
    if (r.kind != record_kind::step_verified) continue;
    const Step* step = playbook.find_step(r.text("step"));
    if (!step || step->module != "notify.send") continue;
    auto* out = applied_output(journal, step->id);
    auto* delivered = out ? out->if_contains("delivered") : nullptr;
    if (delivered && delivered->is_array() && !delivered->get_array().empty()) {
      notice = {ms_of(r.time), step->id, &r};
      break;
    }
  }
  since_attack("first_notification_ms", notice.ms, "first notification",
               notice.record ? "step " + notice.step + " delivered"
               : first_done(playbook, journal, {"notify.send"}).record ? "nothing was delivered"
               : uses(playbook, "notify.send") ? "not sent: the step did not run"
                                                 : "the playbook sends none");

  Found contained = first_done(playbook, journal, {"firewall.block", "firewall.limit", "firewall.isolate", "access.disable"});
  since_attack("containment_journaled_ms", contained.ms, "containment journaled in force",
               contained.record ? "step " + contained.step + " verified" : "no containment step ran");

  // From the counters: the first interval after the run began in which
  // some of the attack arrived and was dropped; then, until the undo or the
  // attack's end, whether any got through (a block) or how much (a limit);
  // after the undo, whether it reached the victim again.
  const bool limit = scenario.containment == ContainmentKind::limit;
  std::int64_t window_end = timeline.undo_started_ms;
  if (timeline.attack_stopped_ms && (!window_end || timeline.attack_stopped_ms < window_end)) window_end = timeline.attack_stopped_ms;
  // What the victim's kernel dropped by itself before the playbook ran
  // (forged sources the routing code refuses as martians: 0/8, 127/8,
  // multicast): drops count as containment only well above that share.
  std::int64_t early_arrived = 0, early_dropped = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    auto came = static_cast<std::int64_t>(samples[i].arrived) - static_cast<std::int64_t>(samples[i - 1].arrived);
    auto through = static_cast<std::int64_t>(samples[i].passed) - static_cast<std::int64_t>(samples[i - 1].passed);
    if (came < 0 || through < 0 || samples[i].unix_ms >= timeline.run_started_ms) continue;
    early_arrived += came;
    if (came > through) early_dropped += came - through;
  }
  const double baseline = early_arrived >= 20 ? static_cast<double>(early_dropped) / static_cast<double>(early_arrived) : 0.0;
  // Both chains are read in one listing, but not at one instant: a packet
  // may be counted as arrived in one interval and as passed in the next.
  // So drops count only when two intervals with traffic in a row show them.
  std::int64_t dropping_from = 0, candidate = 0, leaked_at = 0, through_again = 0;
  std::int64_t dropped = 0, arrived = 0, held_arrived = 0, held_passed = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    const auto& a = samples[i - 1];
    const auto& b = samples[i];
    auto came = static_cast<std::int64_t>(b.arrived) - static_cast<std::int64_t>(a.arrived);
    auto through = static_cast<std::int64_t>(b.passed) - static_cast<std::int64_t>(a.passed);
    if (came < 0 || through < 0) continue;  // the counters were reset: this interval tells nothing
    std::int64_t lost = came - through;
    arrived += came;
    if (lost > 0) dropped += lost;
    if (b.unix_ms < timeline.run_started_ms) continue;
    bool in_window = !window_end || b.unix_ms <= window_end;
    if (in_window) {
      if (!dropping_from) {
        if (came == 0) continue;
        bool dropping = lost >= 1 && static_cast<double>(lost) >= (baseline + 0.1) * static_cast<double>(came);
        if (!dropping) {
          candidate = 0;
          continue;
        }
        if (!candidate) {
          candidate = b.unix_ms;
          held_arrived = came;
          held_passed = through;
          continue;
        }
        dropping_from = candidate;
      }
      held_arrived += came;
      held_passed += through;
      if (!limit && through > 0 && !leaked_at) leaked_at = b.unix_ms;
    } else if (timeline.undo_ended_ms && a.unix_ms >= timeline.undo_ended_ms && through > 0 && !through_again) {
      through_again = b.unix_ms;
    }
  }
  if (!dropping_from) held_arrived = held_passed = 0;
  // Said only when it matters (1% or more): one packet caught between the
  // two chains' counts is no drop.
  if (early_dropped * 100 >= early_arrived && early_dropped > 1)
    score.lines.push_back("before the playbook ran the victim's kernel itself dropped " + std::to_string(early_dropped) + " of " +
                          std::to_string(early_arrived) +
                          " attack packets (forged sources it refuses as martians); drops count only above that share");
  if (baseline >= 0.5)
    failed.push_back("the victim's kernel dropped most of the attack before the playbook ran, so drops cannot show the playbook's containment");
  since_attack("containment_in_effect_ms", dropping_from, "attack dropped at the victim",
               dropping_from ? "from the victim's counters" : "the counters never showed the attack dropped");
  times["contained_after_capture_ms"] = nullptr;
  if (dropping_from && timeline.run_started_ms) {
    times["contained_after_capture_ms"] = dropping_from - timeline.run_started_ms;
    score.lines.push_back("contained " + seconds_text(dropping_from - timeline.run_started_ms) +
                          " after the attack was in the capture handed to the playbook");
  }
  if (!dropping_from) failed.push_back("the attack was never dropped at the victim");
  bool held = dropping_from != 0;
  if (limit && dropping_from && held_arrived < 20) {
    held = false;
    score.lines.push_back("the limit cannot be judged: only " + std::to_string(held_arrived) + " attack packets arrived while it was in force");
    failed.push_back("too few attack packets arrived while the limit was in force to judge it");
  } else if (limit && dropping_from) {
    double share = static_cast<double>(std::max<std::int64_t>(0, held_arrived - held_passed)) / static_cast<double>(held_arrived);
    held = share >= 0.5 && share - baseline >= 0.3;
    char text[160];
    std::snprintf(text, sizeof text, "the limit %s: %.0f%% of the %llu attack packets that arrived while it was in force were dropped",
                  held ? "held" : "did not hold", share * 100, static_cast<unsigned long long>(held_arrived));
    score.lines.push_back(text);
    if (!held) failed.push_back("the limit let most of the attack through");
  } else if (leaked_at) {
    held = false;
    failed.push_back("attack packets got through at " + format_unix_ms(leaked_at) + " while containment was meant to hold");
    score.lines.push_back("containment did not hold: attack packets got through at " + format_unix_ms(leaked_at));
  } else if (dropping_from) {
    score.lines.push_back(std::string("containment held: no attack packet got through from then until ") +
                          (window_end == timeline.attack_stopped_ms ? "the attack ended" : "the undo"));
  }
  if (dropping_from && contained.ms)
    score.lines.push_back("journal to kernel: the counters showed drops " + seconds_text(dropping_from - contained.ms) +
                          " after the journal said the containment was in force (sampled every 100 ms)");

  Found sealed = first_done(playbook, journal, {"evidence.seal"});
  since_attack("evidence_sealed_ms", sealed.ms, "evidence sealed",
               sealed.record ? "step " + sealed.step
               : uses(playbook, "evidence.seal") ? "not sealed: the step did not run"
                                                 : "the playbook seals none");

  std::int64_t undone_ms = 0;
  for (auto& r : journal.records)
    if (r.kind == record_kind::step_undone) undone_ms = ms_of(r.time);
  since_attack("deescalated_ms", undone_ms, "de-escalated (containment undone)",
               undone_ms ? "last step.undone record" : "nothing was undone");
  if (timeline.undo_ended_ms) {
    if (through_again) score.lines.push_back("after the undo the attacker's packets reached the victim again (counters)");
    else failed.push_back("after the undo the attacker's packets still did not reach the victim");
  }
  if (restored_problems.empty()) score.lines.push_back("the lab is back to its start (firewall, accounts, /etc)");
  else
    for (auto& p : restored_problems) failed.push_back("not restored: " + p);

  if (timeline.interrupted) failed.push_back("the drill was interrupted");
  else if (timeline.run_exit != 0) failed.push_back("the run ended with exit code " + std::to_string(timeline.run_exit));
  score.passed = failed.empty();
  score.lines.push_back(score.passed ? "drill passed" : "drill failed: " + comma_joined(failed));
  score.record = json::object{{"scenario", scenario.name},
                              {"playbook", scenario.playbook},
                              {"containment", limit ? "limit" : "block"},
                              {"attack_started", format_unix_ms(t0)},
                              {"times_ms", times},
                              {"finding", kind},
                              {"attack_packets", json::object{{"arrived", arrived}, {"dropped", dropped}}},
                              {"run_exit", timeline.run_exit},
                              {"interrupted", timeline.interrupted},
                              {"containment_held", held},
                              {"reached_again_after_undo", through_again != 0},
                              {"restored", restored_problems.empty()},
                              {"not_restored", string_array(restored_problems)},
                              {"passed", score.passed},
                              {"failures", string_array(failed)},
                              {"summary", string_array(score.lines)}};
  return score;
}

}  // namespace responder::drill
