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
