#include "responder/drill/drill_score.h"

#include <cstdio>
#include <functional>
#include <sstream>

#include "responder/drill/drill_lab.h"

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

// A step.applied record's receipt output.
const json::object* receipt_output(const JournalRecord& r) {
  if (auto* receipt = r.fields.if_contains("receipt"); receipt && receipt->is_object())
    if (auto* out = receipt->as_object().if_contains("output"); out && out->is_object()) return &out->as_object();
  return nullptr;
}

const json::object* applied_output(const JournalContents& journal, const std::string& step) {
  for (auto& r : journal.records)
    if (r.kind == record_kind::step_applied && r.text("step") == step)
      if (auto* out = receipt_output(r)) return out;
  return nullptr;
}

// The first verified step of `module` whose applied output `holds`.
Found first_verified_where(const Playbook& playbook, const JournalContents& journal, std::string_view module,
                           const std::function<bool(const json::object&)>& holds) {
  for (auto& r : journal.records) {
    if (r.kind != record_kind::step_verified) continue;
    const Step* step = playbook.find_step(r.text("step"));
    if (!step || step->module != module) continue;
    if (auto* out = applied_output(journal, step->id); out && holds(*out)) return {ms_of(r.time), step->id, &r};
  }
  return {};
}

}  // namespace

HostCounterReading read_host_counters(const std::vector<CounterSample>& samples, const DrillTimeline& timeline, bool limit,
                                      std::int64_t window_end) {
  HostCounterReading r;
  // What the host's kernel dropped by itself before the playbook ran
  // (forged sources the routing code refuses as martians: 0/8, 127/8,
  // multicast): drops count as containment only well above that share.
  for (std::size_t i = 1; i < samples.size(); ++i) {
    auto came = static_cast<std::int64_t>(samples[i].arrived) - static_cast<std::int64_t>(samples[i - 1].arrived);
    auto through = static_cast<std::int64_t>(samples[i].passed) - static_cast<std::int64_t>(samples[i - 1].passed);
    if (came < 0 || through < 0 || samples[i].unix_ms >= timeline.run_started_ms) continue;
    r.early_arrived += came;
    if (came > through) r.early_dropped += came - through;
  }
  r.baseline = r.early_arrived >= 20 ? static_cast<double>(r.early_dropped) / static_cast<double>(r.early_arrived) : 0.0;
  // Both chains are read in one listing, but not at one instant: a packet
  // may be counted as arrived in one interval and as passed in the next.
  // So drops count only when two intervals with traffic in a row show them.
  std::int64_t candidate = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    const auto& a = samples[i - 1];
    const auto& b = samples[i];
    auto came = static_cast<std::int64_t>(b.arrived) - static_cast<std::int64_t>(a.arrived);
    auto through = static_cast<std::int64_t>(b.passed) - static_cast<std::int64_t>(a.passed);
    if (came < 0 || through < 0) continue;  // the counters were reset: this interval tells nothing
    std::int64_t lost = came - through;
    r.arrived += came;
    if (lost > 0) r.dropped += lost;
    if (b.unix_ms < timeline.run_started_ms) continue;
    bool in_window = !window_end || b.unix_ms <= window_end;
    if (in_window) {
      if (!r.dropping_from) {
        if (came == 0) continue;
        bool dropping = lost >= 1 && static_cast<double>(lost) >= (r.baseline + 0.1) * static_cast<double>(came);
        if (!dropping) {
          candidate = 0;
          continue;
        }
        if (!candidate) {
          candidate = b.unix_ms;
          r.held_arrived = came;
          r.held_passed = through;
          continue;
        }
        r.dropping_from = candidate;
      }
      r.held_arrived += came;
      r.held_passed += through;
      if (!limit && through > 0 && !r.leaked_at) r.leaked_at = b.unix_ms;
    } else if (timeline.undo_ended_ms && a.unix_ms >= timeline.undo_ended_ms && through > 0 && !r.through_again) {
      r.through_again = b.unix_ms;
    }
  }
  if (!r.dropping_from) r.held_arrived = r.held_passed = 0;
  return r;
}

std::set<std::string> rotated_accounts(const Playbook& playbook, const JournalContents& journal) {
  std::set<std::string> out;
  for (auto& r : journal.records) {
    const Step* step = r.kind == record_kind::step_applied ? playbook.find_step(r.text("step")) : nullptr;
    if (!step || step->module != "credential.rotate") continue;
    // Each host's own record: on a fleet every host rotates its own.
    auto* output = receipt_output(r);
    auto* users = output ? output->if_contains("users") : nullptr;
    if (users && users->is_array())
      for (auto& u : users->get_array())
        if (u.is_string()) out.insert(std::string(u.get_string()));
  }
  return out;
}

std::vector<WriteAttempt> read_write_log(const std::string& text) {
  std::vector<WriteAttempt> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::int64_t ms = 0;
    std::string what;
    if (!(fields >> ms >> what) || ms <= 0 || (what != "written" && what != "refused")) continue;
    out.push_back({ms, what == "written"});
  }
  return out;
}

DrillScore score_drill(const Scenario& scenario, const Playbook& playbook, const JournalContents& journal,
                       const DrillTimeline& timeline, const std::vector<HostSamples>& hosts,
                       const std::vector<std::string>& restored_problems, const std::vector<WriteAttempt>& writes) {
  DrillScore score;
  const std::int64_t t0 = timeline.attack_started_ms;
  json::object times;
  std::vector<std::string> failed;
  auto since_attack = [&](const char* key, std::int64_t ms, const std::string& label, const std::string& how) {
    if (ms > 0) {
      times[key] = ms - t0;
      score.lines.push_back(label + ": " + seconds_text(ms - t0) + (scenario.advisory ? " after the advisory (" : " after the attack began (") + how + ")");
    } else {
      times[key] = nullptr;
      score.lines.push_back(label + ": " + how);
    }
  };

  // Detection: the analysis that named an attack in the lab's own traffic,
  // or, for a playbook that reads the victim's logs instead, the log
  // analysis that named the attacker among its sources.
  std::string kind = "none";
  const bool contains = scenario.containment != ContainmentKind::none;
  if (scenario.advisory) {
    since_attack("detected_ms", 0, "detected", "nothing to detect: the playbook starts on a vendor's advisory");
  } else if (scenario.alert_from_capture) {
    kind = timeline.alert_kind.empty() ? "none" : timeline.alert_kind;
    bool detected = timeline.alerted_ms && kind != "none" && timeline.alert_source == kAttacker4 &&
                    (scenario.expected_kind.empty() || kind == scenario.expected_kind);
    since_attack("detected_ms", detected ? timeline.alerted_ms : 0, "detected",
                 detected ? "the drill's alert: `responder analyze` of the first host's capture found a " + kind + " attack from " +
                                timeline.alert_source + ", handed to the playbook"
                 : !timeline.alerted_ms ? "the first host's capture was not analyzed"
                 : kind == "none"       ? "the analysis of the first host's capture found no attack"
                 : timeline.alert_source != kAttacker4
                     ? "the analysis named " + (timeline.alert_source.empty() ? std::string("no source") : timeline.alert_source) + ", not the attacker"
                     : "the analysis called it " + kind + ", not " + scenario.expected_kind);
    if (!detected) failed.push_back("the attack was not detected");
  } else if (!scenario.expected_kind.empty() || uses(playbook, "traffic.analyze")) {
    Found analysis = first_done(playbook, journal, {"traffic.analyze"});
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
  } else {
    Found named = first_verified_where(playbook, journal, "logs.analyze", [](const json::object& out) {
      auto* sources = out.if_contains("sources");
      if (!sources || !sources->is_array()) return false;
      for (auto& a : sources->get_array())
        if (a.is_string() && a.get_string() == kAttacker4) return true;
      return false;
    });
    if (named.record) kind = "failed-logins";
    since_attack("detected_ms", named.ms, "detected",
                 named.record ? "step " + named.step + " named the attacker " + kAttacker4 + " in the victim's logs"
                 : uses(playbook, "logs.analyze") ? "the log analysis did not name the attacker"
                                                  : "the playbook analyzes neither traffic nor logs");
    if (!named.record) failed.push_back("the attack was not detected");
  }

  // The first notify.send step that delivered to someone.
  Found notice = first_verified_where(playbook, journal, "notify.send", [](const json::object& out) {
    auto* delivered = out.if_contains("delivered");
    return delivered && delivered->is_array() && !delivered->get_array().empty();
  });
  since_attack("first_notification_ms", notice.ms, "first notification",
               notice.record ? "step " + notice.step + " delivered"
               : first_done(playbook, journal, {"notify.send"}).record ? "nothing was delivered"
               : uses(playbook, "notify.send") ? "not sent: the step did not run"
                                                 : "the playbook sends none");

  // On a fleet, the containment is journaled in force once its last host's is.
  Found contained = first_done(playbook, journal, {"firewall.block", "firewall.limit", "firewall.isolate", "access.disable"});
  if (contained.record && hosts.size() > 1)
    for (auto& r : journal.records)
      if (r.kind == record_kind::step_verified && r.text("step") == contained.step) contained.ms = std::max(contained.ms, ms_of(r.time));
  since_attack("containment_journaled_ms", contained.ms, "containment journaled in force",
               contained.record ? "step " + contained.step + " verified"
               : contains       ? "no containment step ran"
                                : "the playbook contains nothing: it patches");

  // From the counters: the first interval after the run began in which
  // some of the attack arrived and was dropped; then, until the undo or the
  // attack's end, whether any got through (a block) or how much (a limit);
  // after the undo, whether it reached the victim again.
  const bool limit = scenario.containment == ContainmentKind::limit;
  std::int64_t window_end = timeline.undo_started_ms;
  if (timeline.attack_stopped_ms && (!window_end || timeline.attack_stopped_ms < window_end)) window_end = timeline.attack_stopped_ms;
  // Each host's counters apart; the fleet's containment is in effect once
  // every host drops the attack, and holds when it held on every host.
  std::vector<HostCounterReading> readings;
  for (auto& h : hosts) readings.push_back(read_host_counters(h.samples, timeline, limit, window_end));
  const bool fleet = hosts.size() > 1;
  std::int64_t dropping_from = 0, leaked_at = 0, through_again = 0;
  std::int64_t dropped = 0, arrived = 0, held_arrived = 0, held_passed = 0, early_arrived = 0, early_dropped = 0;
  double baseline = 0;
  bool all_dropping = !readings.empty(), all_again = !readings.empty();
  for (std::size_t i = 0; i < readings.size(); ++i) {
    auto& r = readings[i];
    all_dropping = all_dropping && r.dropping_from;
    all_again = all_again && r.through_again;
    dropping_from = std::max(dropping_from, r.dropping_from);
    through_again = std::max(through_again, r.through_again);
    if (r.leaked_at && (!leaked_at || r.leaked_at < leaked_at)) leaked_at = r.leaked_at;
    dropped += r.dropped;
    arrived += r.arrived;
    held_arrived += r.held_arrived;
    held_passed += r.held_passed;
    early_arrived += r.early_arrived;
    early_dropped += r.early_dropped;
    baseline = std::max(baseline, r.baseline);
    if (fleet && contains)
      score.lines.push_back(hosts[i].name + ": " +
                            (r.dropping_from ? "attack dropped " + seconds_text(r.dropping_from - t0) + " after the attack began" +
                                                   (r.leaked_at ? ", but packets got through at " + format_unix_ms(r.leaked_at) : "")
                                             : std::string("the attack was never dropped")) +
                            (timeline.undo_ended_ms ? (r.through_again ? "; reached again after the undo" : "; not reached again after the undo") : ""));
  }
  if (!all_dropping) dropping_from = 0;
  if (!all_again) through_again = 0;
  if (!dropping_from) held_arrived = held_passed = 0;
  // Said only when it matters (1% or more): one packet caught between the
  // two chains' counts is no drop.
  if (early_dropped * 100 >= early_arrived && early_dropped > 1)
    score.lines.push_back("before the playbook ran the victim's kernel itself dropped " + std::to_string(early_dropped) + " of " +
                          std::to_string(early_arrived) +
                          " attack packets (forged sources it refuses as martians); drops count only above that share");
  if (baseline >= 0.5)
    failed.push_back("the victim's kernel dropped most of the attack before the playbook ran, so drops cannot show the playbook's containment");
  if (contains)
  since_attack("containment_in_effect_ms", dropping_from, fleet ? "attack dropped on every host" : "attack dropped at the victim",
               dropping_from ? (fleet ? "from each host's counters" : "from the victim's counters")
                             : fleet ? "the counters never showed the attack dropped on every host" : "the counters never showed the attack dropped");
  times["contained_after_capture_ms"] = nullptr;
  if (dropping_from && timeline.run_started_ms) {
    times["contained_after_capture_ms"] = dropping_from - timeline.run_started_ms;
    score.lines.push_back("contained " + seconds_text(dropping_from - timeline.run_started_ms) +
                          " after the attack was in the capture handed to the playbook");
  }
  if (contains && !dropping_from) failed.push_back(fleet ? "the attack was never dropped on every host" : "the attack was never dropped at the victim");
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

  // The share, from the attacker's own log of its writes: the last one it
  // took, and none taken once containment was in effect.
  json::value share = nullptr;
  if (!scenario.write_log.empty()) {
    std::int64_t written = 0, refused = 0, written_after = 0, last_written = 0, first_refused_after_last = 0;
    for (auto& w : writes) {
      bool in_window = w.unix_ms >= timeline.run_started_ms && (!window_end || w.unix_ms <= window_end);
      if (w.written) {
        ++written;
        if (w.unix_ms <= window_end || !window_end) last_written = w.unix_ms;
        if (in_window && dropping_from && w.unix_ms > dropping_from) ++written_after;
      } else {
        ++refused;
      }
    }
    for (auto& w : writes)
      if (!w.written && w.unix_ms > last_written && (!window_end || w.unix_ms <= window_end)) {
        first_refused_after_last = w.unix_ms;
        break;
      }
    since_attack("share_writes_refused_ms", first_refused_after_last, "the share refused the attacker's writes",
                 first_refused_after_last ? "from the attacker's own log; " + std::to_string(written) + " written before"
                 : written == 0           ? "the attacker never wrote to the share"
                                          : "the share took the attacker's writes until the end");
    if (written == 0) failed.push_back("the attacker's writes never reached the share, so its containment cannot be judged");
    else if (!first_refused_after_last) failed.push_back("the share took the attacker's writes until the end");
    if (written_after) failed.push_back(std::to_string(written_after) + " attacker write(s) reached the share after containment was in effect");
    share = json::object{{"written", written}, {"refused", refused}, {"written_after_containment", written_after}};
  }

  Found sealed = first_done(playbook, journal, {"evidence.seal"});
  since_attack("evidence_sealed_ms", sealed.ms, "evidence sealed",
               sealed.record ? "step " + sealed.step
               : uses(playbook, "evidence.seal") ? "not sealed: the step did not run"
                                                 : "the playbook seals none");

  // The patch, from each host's own dpkg after the run, and when the
  // release's last host was verified.
  if (scenario.patch) {
    std::int64_t patched_ms = 0;
    std::string step;
    for (auto& r : journal.records) {
      if (r.kind != record_kind::step_verified) continue;
      const Step* s = playbook.find_step(r.text("step"));
      if (s && s->module == "release.push") {
        patched_ms = std::max(patched_ms, ms_of(r.time));
        step = s->id;
      }
    }
    std::vector<std::string> behind;
    for (auto& [host, version] : timeline.patched)
      if (version != scenario.patch->fixed) behind.push_back(host + " has " + version);
    const bool all = !timeline.patched.empty() && behind.empty();
    const std::string what = scenario.patch->package + " " + scenario.patch->fixed;
    since_attack("patched_ms", all ? patched_ms : 0, "patched",
                 all ? "every host (" + std::to_string(timeline.patched.size()) + ") has " + what + ", by its own dpkg; step " + step
                 : timeline.patched.empty() ? "the hosts' dpkg could not be asked"
                                            : "not every host has " + what + ": " + comma_joined(behind));
    if (!all) failed.push_back("not every host has " + what + (behind.empty() ? std::string() : ": " + comma_joined(behind)));
  }

  std::int64_t undone_ms = 0;
  for (auto& r : journal.records)
    if (r.kind == record_kind::step_undone) undone_ms = ms_of(r.time);
  since_attack("deescalated_ms", undone_ms, "de-escalated (containment undone)",
               undone_ms ? "last step.undone record" : "nothing was undone");
  if (timeline.undo_ended_ms && contains) {
    if (through_again) score.lines.push_back(fleet ? "after the undo the attacker's packets reached every host again (counters)"
                                                   : "after the undo the attacker's packets reached the victim again (counters)");
    else failed.push_back(fleet ? "after the undo the attacker's packets still did not reach every host"
                                : "after the undo the attacker's packets still did not reach the victim");
  }
  if (restored_problems.empty()) score.lines.push_back("the lab is back to its start (firewall, /etc and its accounts, mounts, units)");
  else
    for (auto& p : restored_problems) failed.push_back("not restored: " + p);

  if (timeline.interrupted) failed.push_back("the drill was interrupted");
  else if (timeline.run_exit != 0) failed.push_back("the run ended with exit code " + std::to_string(timeline.run_exit));
  score.passed = failed.empty();
  score.lines.push_back(score.passed ? "drill passed" : "drill failed: " + comma_joined(failed));
  score.record = json::object{{"scenario", scenario.name},
                              {"playbook", scenario.playbook},
                              {"containment", !contains ? "none" : limit ? "limit" : "block"},
                              {"attack_started", format_unix_ms(t0)},
                              {"times_ms", times},
                              {"finding", kind},
                              {"attack_packets", json::object{{"arrived", arrived}, {"dropped", dropped}}},
                              {"run_exit", timeline.run_exit},
                              {"interrupted", timeline.interrupted},
                              {"containment_held", contains ? json::value(held) : json::value(nullptr)},
                              {"share_writes", share},
                              {"reached_again_after_undo", through_again != 0},
                              {"restored", restored_problems.empty()},
                              {"not_restored", string_array(restored_problems)},
                              {"passed", score.passed},
                              {"failures", string_array(failed)},
                              {"summary", string_array(score.lines)}};
  return score;
}

}  // namespace responder::drill
