// The drill's score from a journal and counter samples made by the test:
// each way a drill can fail is named, and only a drill that detected,
// contained, held, undid and restored passes.
#include <doctest/doctest.h>

#include "responder/drill/drill_score.h"
#include "responder/journal_record_kind.h"
#include "responder/playbook_loader.h"

using namespace responder;
using namespace responder::drill;

namespace {

const char* kPlaybook =
    "name: t\nvariables:\n  attacker: {type: cidr, required: true}\n  capture: {type: path, required: true}\n"
    "stages:\n  evaluate:\n    - id: read-capture\n      module: traffic.analyze\n      with: {pcap: [\"{{ capture }}\"]}\n"
    "      register: finding\n  isolate-and-contain:\n    - id: block\n      module: firewall.block\n"
    "      with: {addresses: [\"{{ attacker }}\"]}\n";

constexpr std::int64_t kT0 = 1'800'000'000'000;

JournalRecord record(std::string kind, std::int64_t ms, json::object fields) {
  JournalRecord r;
  r.kind = std::move(kind);
  r.time = format_unix_ms(ms);
  fields["kind"] = r.kind;
  r.fields = std::move(fields);
  return r;
}

JournalContents journal(const std::string& finding) {
  JournalContents c;
  c.records.push_back(record(std::string(record_kind::step_applied), kT0 + 5000,
                             {{"step", "read-capture"}, {"receipt", json::object{{"output", json::object{{"kind", finding}}}}}}));
  c.records.push_back(record(std::string(record_kind::step_verified), kT0 + 5100, {{"step", "read-capture"}}));
  c.records.push_back(record(std::string(record_kind::step_verified), kT0 + 6000, {{"step", "block"}}));
  c.records.push_back(record(std::string(record_kind::step_undone), kT0 + 9000, {{"step", "block"}}));
  return c;
}

DrillTimeline timeline() {
  DrillTimeline t;
  t.attack_started_ms = kT0;
  t.run_started_ms = kT0 + 4000;
  t.run_ended_ms = kT0 + 7000;
  t.undo_started_ms = kT0 + 8500;
  t.undo_ended_ms = kT0 + 9000;
  return t;
}

// Counters every 500 ms: the attacker sends 10 packets each time; `passes`
// says whether they got through in the interval ending at that moment.
std::vector<CounterSample> samples(const std::function<bool(std::int64_t)>& passes) {
  std::vector<CounterSample> out;
  std::uint64_t arrived = 0, passed = 0;
  for (std::int64_t ms = 0; ms <= 11000; ms += 500) {
    if (ms > 0) {
      arrived += 10;
      if (passes(ms)) passed += 10;
    }
    out.push_back({kT0 + ms, arrived, passed});
  }
  return out;
}

Playbook playbook() {
  auto loaded = load_playbook_text(kPlaybook, "t.yaml");
  REQUIRE(loaded.playbook);
  return *loaded.playbook;
}

Scenario scenario() {
  Scenario s;
  s.name = "x";
  s.playbook = "t";
  return s;
}

bool has_line(const DrillScore& s, const std::string& text) {
  for (auto& l : s.lines)
    if (l.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("drill score: detected, dropped from the block on, held until the undo, through again after it: passed, with times from the attack's start") {
  auto pb = playbook();
  auto s = score_drill(scenario(), pb, journal("targeted"), timeline(), samples([](std::int64_t ms) { return ms <= 6000 || ms > 9000; }), {});
  CHECK(s.passed);
  CHECK(s.record.at("times_ms").at("detected_ms") == json::value(5100));
  CHECK(s.record.at("times_ms").at("containment_in_effect_ms") == json::value(6500));
  CHECK(s.record.at("containment_held") == json::value(true));
  CHECK(s.record.at("reached_again_after_undo") == json::value(true));
  CHECK(s.record.at("attack_packets").at("dropped") == json::value(60));
  CHECK(has_line(s, "detected: 5.1 s after the attack began"));
  CHECK(has_line(s, "drill passed"));
}

TEST_CASE("drill score: each failure is named: not detected, never dropped, a leak while it should hold, no passage after the undo, a lab not restored") {
  auto pb = playbook();
  auto not_detected = score_drill(scenario(), pb, journal("none"), timeline(), samples([](std::int64_t ms) { return ms <= 6000 || ms > 9000; }), {});
  CHECK_FALSE(not_detected.passed);
  CHECK(has_line(not_detected, "the attack was not detected"));

  auto never = score_drill(scenario(), pb, journal("targeted"), timeline(), samples([](std::int64_t) { return true; }), {});
  CHECK_FALSE(never.passed);
  CHECK(has_line(never, "the attack was never dropped at the victim"));

  auto leak = score_drill(scenario(), pb, journal("targeted"), timeline(),
                          samples([](std::int64_t ms) { return ms <= 6000 || ms == 8000 || ms > 9000; }), {});
  CHECK_FALSE(leak.passed);
  CHECK(leak.record.at("containment_held") == json::value(false));
  CHECK(has_line(leak, "containment did not hold"));

  auto stuck = score_drill(scenario(), pb, journal("targeted"), timeline(), samples([](std::int64_t ms) { return ms <= 6000; }), {});
  CHECK_FALSE(stuck.passed);
  CHECK(has_line(stuck, "after the undo the attacker's packets still did not reach the victim"));

  auto left = score_drill(scenario(), pb, journal("targeted"), timeline(), samples([](std::int64_t ms) { return ms <= 6000 || ms > 9000; }),
                          {"/etc/shadow changed"});
  CHECK_FALSE(left.passed);
  CHECK(has_line(left, "not restored: /etc/shadow changed"));
}

TEST_CASE("drill score: a packet counted as arrived in one sample and as passed in the next is no drop, and a failed or interrupted run fails the drill") {
  auto pb = playbook();
  // Nothing is ever dropped, but one sample catches a packet between the chains.
  std::vector<CounterSample> skewed;
  std::uint64_t arrived = 0, passed = 0;
  for (std::int64_t ms = 0; ms <= 11000; ms += 500) {
    arrived += 10;
    passed += 10;
    skewed.push_back({kT0 + ms, arrived, ms == 7000 ? passed - 1 : passed});
  }
  auto s = score_drill(scenario(), pb, journal("targeted"), timeline(), skewed, {});
  CHECK_FALSE(s.passed);
  CHECK(has_line(s, "the attack was never dropped at the victim"));

  auto t = timeline();
  t.run_exit = 1;
  auto failed_run = score_drill(scenario(), pb, journal("targeted"), t, samples([](std::int64_t ms) { return ms <= 6000 || ms > 9000; }), {});
  CHECK_FALSE(failed_run.passed);
  CHECK(has_line(failed_run, "the run ended with exit code 1"));
  t.run_exit = 4;
  t.interrupted = true;
  auto stopped = score_drill(scenario(), pb, journal("targeted"), t, samples([](std::int64_t ms) { return ms <= 6000 || ms > 9000; }), {});
  CHECK(has_line(stopped, "the drill was interrupted"));

  // The analysis must call the attack what the scenario is.
  auto expecting = scenario();
  expecting.expected_kind = "distributed";
  auto wrong = score_drill(expecting, pb, journal("targeted"), timeline(), samples([](std::int64_t ms) { return ms <= 6000 || ms > 9000; }), {});
  CHECK_FALSE(wrong.passed);
  CHECK(has_line(wrong, "the analysis called it targeted, not distributed"));
}

TEST_CASE("drill score: on a fleet, containment is in effect only once every host drops the attack, and a host never reached again after the undo is named") {
  auto pb = playbook();
  auto dropping_from = [](std::int64_t from) { return samples([from](std::int64_t ms) { return ms <= from || ms > 9000; }); };
  std::vector<HostSamples> fleet{{"web1", dropping_from(6000)}, {"web2", dropping_from(7000)}, {"web3", dropping_from(6500)}};
  auto s = score_drill(scenario(), pb, journal("targeted"), timeline(), fleet, {});
  CHECK(s.passed);
  // The last host to drop decides (web2: its first drop is in the sample at 7.5 s).
  CHECK(s.record.at("times_ms").at("containment_in_effect_ms") == json::value(7500));
  CHECK(has_line(s, "web2: attack dropped 7.5 s after the attack began; reached again after the undo"));
  CHECK(has_line(s, "after the undo the attacker's packets reached every host again"));

  fleet[1].samples = samples([](std::int64_t) { return true; });
  auto one_never = score_drill(scenario(), pb, journal("targeted"), timeline(), fleet, {});
  CHECK_FALSE(one_never.passed);
  CHECK(has_line(one_never, "web2: the attack was never dropped"));
  CHECK(has_line(one_never, "the attack was never dropped on every host"));

  fleet[1].samples = samples([](std::int64_t ms) { return ms <= 6000; });
  auto stuck = score_drill(scenario(), pb, journal("targeted"), timeline(), fleet, {});
  CHECK_FALSE(stuck.passed);
  CHECK(has_line(stuck, "web2: attack dropped 6.5 s after the attack began; not reached again after the undo"));
}

TEST_CASE("drill score: the attacker's write log shows when the share refused its writes, and a write taken after containment fails the drill") {
  auto pb = playbook();
  auto share = scenario();
  share.write_log = "writes.log";
  auto held = samples([](std::int64_t ms) { return ms <= 6000 || ms > 9000; });
  std::string log;
  for (std::int64_t ms = 1000; ms <= 8000; ms += 1000) log += std::to_string(kT0 + ms) + (ms <= 6000 ? " written " : " refused ") + std::to_string(ms) + "\n";
  log += "garbage line\n-5 written 1\n";
  auto writes = read_write_log(log);
  CHECK(writes.size() == 8);
  auto s = score_drill(share, pb, journal("targeted"), timeline(), held, {}, writes);
  CHECK(s.passed);
  CHECK(s.record.at("times_ms").at("share_writes_refused_ms") == json::value(7000));
  CHECK(s.record.at("share_writes").at("written") == json::value(6));
  CHECK(s.record.at("share_writes").at("written_after_containment") == json::value(0));

  writes.push_back({kT0 + 8200, true});
  auto leaked = score_drill(share, pb, journal("targeted"), timeline(), held, {}, writes);
  CHECK_FALSE(leaked.passed);
  CHECK(has_line(leaked, "1 attacker write(s) reached the share after containment was in effect"));

  auto none = score_drill(share, pb, journal("targeted"), timeline(), held, {}, {});
  CHECK_FALSE(none.passed);
  CHECK(has_line(none, "the attacker's writes never reached the share"));
}

TEST_CASE("drill score: a release drill on an advisory needs every host at the fixed version, and is not scored on detection or containment") {
  auto loaded = load_playbook_text("name: p\nvariables:\n  patch: {type: path, required: true}\nstages:\n  accelerated-release:\n"
                                   "    - id: push\n      module: release.push\n      targets: all\n      with: {artifact: \"{{ patch }}\"}\n",
                                   "p.yaml");
  REQUIRE(loaded.playbook);
  Scenario patch = scenario();
  patch.advisory = true;
  patch.containment = ContainmentKind::none;
  patch.patch = PatchDrill{"pkg", "1.0", "1.1"};
  JournalContents j;
  j.records.push_back(record(std::string(record_kind::step_verified), kT0 + 3000, {{"step", "push"}, {"host", "web1"}}));
  j.records.push_back(record(std::string(record_kind::step_verified), kT0 + 4000, {{"step", "push"}, {"host", "web2"}}));
  auto t = timeline();
  t.undo_started_ms = t.undo_ended_ms = 0;
  t.patched = {{"web1", "1.1"}, {"web2", "1.1"}};
  auto s = score_drill(patch, *loaded.playbook, j, t, std::vector<HostSamples>{{"web1", {}}, {"web2", {}}}, {});
  INFO(comma_joined(s.lines));
  CHECK(s.passed);
  CHECK(s.record.at("times_ms").at("patched_ms") == json::value(4000));
  CHECK(has_line(s, "detected: nothing to detect"));
  CHECK(has_line(s, "patched: 4.0 s after the advisory"));

  t.patched[1].second = "1.0";
  auto behind = score_drill(patch, *loaded.playbook, j, t, std::vector<HostSamples>{{"web1", {}}, {"web2", {}}}, {});
  CHECK_FALSE(behind.passed);
  CHECK(has_line(behind, "not every host has pkg 1.1: web2 has 1.0"));
}
