// release.push's order end to end through the command line, on four ssh
// hosts of the lab (release_lab.h: real sshds in network namespaces, each
// host's own scratch dpkg root behind `dpkg`/`dpkg-query` shims): the canary
// (the most recently seen host by the inventory's `last_seen`, or the hosts
// named) is patched alone before the waves; a canary that fails halts the
// release, is rolled back by the module, and no other host is started; a
// wave with more failures than the step's max_fail_percentage halts, and
// the later waves are held. Each batch is read back from the journal
// (`step.started` committed before its applies, then its `step.wave`
// record), installs from each host's own `calls` log, versions from each
// host's dpkg database by the real dpkg, from the test.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/module.h"
#include "tests/release/release_lab.h"
#include "tests/support/skip.h"

namespace responder::release::lab_test {
namespace {

constexpr int kHosts = 4;

#define REQUIRE_RELEASE_WAVES_LAB()                 \
  RESPONDER_SKIP_WHEN(lab::sshd_lab_unavailable()); \
  RESPONDER_SKIP_WHEN(release_tools_missing());     \
  RESPONDER_SKIP_WHEN(std::string(ModuleRegistry::instance().find("release.push") ? "" : "release.push is not in this build"))

// The fixture's inventory (group web: lab1..lab4, ansible_user=root), with
// `vars[i]` appended to host i's line (e.g. "last_seen=...").
void write_inventory(const ReleaseLab& lab, const std::vector<std::string>& vars) {
  std::ofstream ini(lab.inventory, std::ios::trunc);
  ini << "[web]\n";
  for (std::size_t i = 0; i < lab.lab->hosts.size(); ++i) {
    ini << "lab" << i + 1 << " ansible_host=" << lab.lab->hosts[i].address;
    if (i < vars.size() && !vars[i].empty()) ini << " " << vars[i];
    ini << "\n";
  }
  ini << "[all:vars]\nansible_user=root\n";
}

// Every host at 1.0.0, its far side checked over ssh, and the calls that
// set-up logged forgotten (so the counts below are the run's own).
void set_up_hosts(const ReleaseLab& lab) {
  for (std::size_t i = 0; i < kHosts; ++i) {
    lab.require_far_side(i);
    lab.preinstall(i, lab.old_deb);
    REQUIRE(lab.far[i].version() == "1.0.0");
    std::ofstream(lab.far[i].calls, std::ios::trunc);
  }
}

// release.push of 1.0.1 to web, with a health check that passes unless the
// host's `unhealthy` file exists, and the rollback to 1.0.0. `step_more`
// adds step-level lines (beside targets:), `with_more` lines under `with:`.
std::string push_step(const ReleaseLab& lab, const std::string& step_more, const std::string& with_more) {
  return "  accelerated-release:\n"
         "    - id: patch\n"
         "      module: release.push\n"
         "      targets: web\n" +
         step_more +
         "      with:\n"
         "        artifact: rfix_1.0.1_all.deb\n"
         "        health: [lab-health]\n"
         "        health_delay: 100ms\n"
         "        health_retries: 1\n"
         "        rollback: [dpkg, -i, " +
         lab.old_deb.string() + "]\n" + with_more;
}

std::string host_name(std::size_t i) { return "lab" + std::to_string(i + 1); }

std::int64_t seq_of(const json::object& r) {
  auto* s = r.if_contains("seq");
  return s && s->is_int64() ? s->as_int64() : -1;
}

std::vector<std::string> names_in(const json::object& r, const char* key) {
  std::vector<std::string> out;
  auto* v = r.if_contains(key);
  if (!v || !v->is_array()) return out;
  for (auto& n : v->as_array()) out.push_back(n.is_string() ? std::string(n.as_string()) : to_json_text(n));
  return out;
}

// The journal's records of `kind` for step "patch" (per host or not), in order.
std::vector<json::object> records_of(const ReleaseLab& lab, const std::string& id, const std::string& kind) {
  std::vector<json::object> out;
  for (auto& r : lab.journal(id))
    if (r.at("kind").as_string() == kind && r.contains("step") && r.at("step").as_string() == "patch") out.push_back(r);
  return out;
}

// The journal, one line a record, for the failure messages.
std::string journal_text(const ReleaseLab& lab, const std::string& id) {
  std::string out;
  for (auto& r : lab.journal(id)) out += to_json_text(r) + "\n";
  return out;
}

// Seq of host's only record of `kind` for step patch (-1: none, -2: more than one).
std::int64_t host_seq(const ReleaseLab& lab, const std::string& id, const std::string& kind, const std::string& host) {
  auto by_host = lab.per_host(id, kind, "patch");
  auto it = by_host.find(host);
  if (it == by_host.end() || it->second.empty()) return -1;
  if (it->second.size() > 1) return -2;
  return seq_of(it->second.front());
}

TEST_CASE("release waves: the canary is the most recently seen host, patched alone before the waves") {
  REQUIRE_RELEASE_WAVES_LAB();
  ReleaseLab lab(kHosts);
  set_up_hosts(lab);
  // lab3 seen last (RFC 3339); lab1 the day before; lab2 in epoch seconds
  // (2026-11-30T00:53:20Z, before lab1); lab4 never.
  write_inventory(lab, {"last_seen=2026-11-30T12:00:00Z", "last_seen=1796000000", "last_seen=2026-12-01T10:00:00Z", ""});
  auto book = lab.playbook("canary", push_step(lab, "", "        waves: [1, \"100%\"]\n"));

  auto run = lab.responder({"run", book.string(), "--incident", "WAVE-1", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  INFO("JOURNAL\n", journal_text(lab, "WAVE-1"));
  CHECK(run.exit_code == 0);

  for (std::size_t i = 0; i < kHosts; ++i) {
    CAPTURE(i);
    INFO("calls:\n", testing::slurp(lab.far[i].calls));
    CHECK(lab.far[i].version() == "1.0.1");
    CHECK(lab.far[i].installed_ok());
    CHECK(lab.far[i].installs().size() == 1);
    CHECK(lab.far[i].calls_of("health").size() == 1);
  }

  // The inventory's last_seen is journaled with each host (step.hosts).
  auto hosts_records = records_of(lab, "WAVE-1", "step.hosts");
  REQUIRE(hosts_records.size() == 1);
  std::map<std::string, json::object> vars;
  for (auto& h : hosts_records[0].at("hosts").as_array()) {
    auto& o = h.as_object();
    auto* v = o.if_contains("vars");
    vars[std::string(o.at("name").as_string())] = v && v->is_object() ? v->as_object() : json::object{};
  }
  CHECK(text_of(vars["lab3"], "last_seen") == "2026-12-01T10:00:00Z");
  CHECK(text_of(vars["lab1"], "last_seen") == "2026-11-30T12:00:00Z");
  {
    auto* v2 = vars["lab2"].if_contains("last_seen");
    REQUIRE(v2 != nullptr);
    CHECK(to_json_text(*v2).find("1796000000") != std::string::npos);
  }
  CHECK(!vars["lab4"].contains("last_seen"));

  // The batches: canary lab3, then wave 1 of 1 host, then wave 2 of the 2 left.
  auto waves = records_of(lab, "WAVE-1", "step.wave");
  REQUIRE(waves.size() == 3);
  CHECK(text_of(waves[0], "wave") == "canary");
  CHECK(names_in(waves[0], "hosts") == std::vector<std::string>{"lab3"});
  CHECK(text_of(waves[1], "wave") == "wave 1");
  CHECK(names_in(waves[1], "hosts").size() == 1);
  CHECK(text_of(waves[2], "wave") == "wave 2");
  CHECK(names_in(waves[2], "hosts").size() == 2);
  std::vector<std::string> all;
  for (auto& w : waves) {
    CHECK(text_of(w, "outcome") == "passed");
    CHECK(names_in(w, "failed").empty());
    CHECK(names_in(w, "held").empty());
    for (auto& n : names_in(w, "hosts")) all.push_back(n);
  }
  std::sort(all.begin(), all.end());
  CHECK(all == std::vector<std::string>{"lab1", "lab2", "lab3", "lab4"});

  // lab3 started (durably) first, alone; every other host started only
  // after the canary's step.wave record.
  auto canary_started = host_seq(lab, "WAVE-1", "step.started", "lab3");
  auto canary_wave = seq_of(waves[0]);
  REQUIRE(canary_started > 0);
  REQUIRE(canary_wave > 0);
  CHECK(canary_started < canary_wave);
  for (std::size_t i = 0; i < kHosts; ++i) {
    auto name = host_name(i);
    if (name == "lab3") continue;
    CAPTURE(name);
    auto started = host_seq(lab, "WAVE-1", "step.started", name);
    CHECK(started > 0);
    CHECK(canary_started < started);
    CHECK(canary_wave < started);
  }
  // Within each batch: all its step.started before any of its step.applied,
  // those before its step.wave, and the next batch starts after it.
  std::int64_t previous_wave = 0;
  for (auto& w : waves) {
    CAPTURE(text_of(w, "wave"));
    std::int64_t last_started = 0, first_applied = INT64_MAX, last_applied = 0;
    for (auto& name : names_in(w, "hosts")) {
      CAPTURE(name);
      auto started = host_seq(lab, "WAVE-1", "step.started", name);
      auto applied = host_seq(lab, "WAVE-1", "step.applied", name);
      CHECK(started > previous_wave);
      CHECK(applied > 0);
      last_started = std::max(last_started, started);
      first_applied = std::min(first_applied, applied);
      last_applied = std::max(last_applied, applied);
    }
    CHECK(last_started < first_applied);
    CHECK(last_applied < seq_of(w));
    previous_wave = seq_of(w);
  }
  CHECK(lab.per_host("WAVE-1", "step.verified", "patch").size() == kHosts);
  CHECK(lab.per_host("WAVE-1", "step.failed", "patch").empty());
}

TEST_CASE("release waves: an unhealthy canary halts the release, is rolled back, and no other host is touched") {
  REQUIRE_RELEASE_WAVES_LAB();
  ReleaseLab lab(kHosts);
  set_up_hosts(lab);
  // lab4 is the most recently seen, but the canary is named.
  write_inventory(lab, {"", "", "", "last_seen=2026-12-01T10:00:00Z"});
  std::ofstream(lab.far[1].unhealthy);
  std::vector<std::string> before;
  for (auto& h : lab.far) before.push_back(h.snapshot());
  auto book = lab.playbook("named", push_step(lab, "", "        canary: [lab2]\n"));

  auto run = lab.responder({"run", book.string(), "--incident", "WAVE-2", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  INFO("JOURNAL\n", journal_text(lab, "WAVE-2"));
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("patch: failed — halted at canary (lab2 failed)") != std::string::npos);

  {
    auto& h = lab.far[1];
    INFO("lab2 calls:\n", testing::slurp(h.calls));
    CHECK(h.version() == "1.0.0");
    CHECK(h.installed_ok());
    CHECK(testing::slurp(h.root / "usr/share/rfix/version") == "1.0.0\n");
    auto installs = h.installs();
    REQUIRE(installs.size() == 2);
    CHECK(installs[0] != lab.new_deb.string());
    CHECK(installs[1] == lab.old_deb.string());  // the module's rollback
    CHECK(h.calls_of("health").size() == 1);
  }
  for (std::size_t i : {0u, 2u, 3u}) {
    CAPTURE(i);
    INFO("calls:\n", testing::slurp(lab.far[i].calls));
    CHECK(lab.far[i].version() == "1.0.0");
    CHECK(lab.far[i].snapshot() == before[i]);
    CHECK(lab.far[i].installs().empty());
    CHECK(lab.far[i].calls_of("health").empty());
  }

  auto started = lab.per_host("WAVE-2", "step.started", "patch");
  CHECK(started.size() == 1);
  CHECK(started.count("lab2") == 1);
  for (auto* other : {"lab1", "lab3", "lab4"}) CHECK_MESSAGE(started.count(other) == 0, other);
  CHECK(lab.per_host("WAVE-2", "step.applied", "patch").count("lab1") == 0);
  auto failed = lab.per_host("WAVE-2", "step.failed", "patch");
  CHECK(failed.count("lab2") == 1);

  auto waves = records_of(lab, "WAVE-2", "step.wave");
  REQUIRE(waves.size() == 1);
  CHECK(text_of(waves[0], "wave") == "canary");
  CHECK(names_in(waves[0], "hosts") == std::vector<std::string>{"lab2"});
  CHECK(names_in(waves[0], "failed") == std::vector<std::string>{"lab2"});
  auto held = names_in(waves[0], "held");
  std::sort(held.begin(), held.end());
  CHECK(held == std::vector<std::string>{"lab1", "lab3", "lab4"});
  CHECK(text_of(waves[0], "outcome") == "halted");
}

TEST_CASE("release waves: a wave past max_fail_percentage halts, and later waves are held") {
  REQUIRE_RELEASE_WAVES_LAB();
  ReleaseLab lab(kHosts);
  set_up_hosts(lab);
  write_inventory(lab, {});
  std::ofstream(lab.far[1].unhealthy);  // lab2, in the first wave
  std::vector<std::string> before;
  for (auto& h : lab.far) before.push_back(h.snapshot());
  auto book = lab.playbook("waves", push_step(lab, "      max_fail_percentage: 0\n", "        canary: 0\n        waves: [2, 2]\n"));

  auto run = lab.responder({"run", book.string(), "--incident", "WAVE-3", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  INFO("JOURNAL\n", journal_text(lab, "WAVE-3"));
  CHECK(run.exit_code == 1);

  // The first wave: lab1 patched, lab2 rolled back.
  CHECK(lab.far[0].version() == "1.0.1");
  CHECK(lab.far[0].installs().size() == 1);
  {
    auto& h = lab.far[1];
    INFO("lab2 calls:\n", testing::slurp(h.calls));
    CHECK(h.version() == "1.0.0");
    CHECK(h.installed_ok());
    auto installs = h.installs();
    REQUIRE(installs.size() == 2);
    CHECK(installs[1] == lab.old_deb.string());
  }
  // The second wave: never started.
  for (std::size_t i : {2u, 3u}) {
    CAPTURE(i);
    INFO("calls:\n", testing::slurp(lab.far[i].calls));
    CHECK(lab.far[i].version() == "1.0.0");
    CHECK(lab.far[i].snapshot() == before[i]);
    CHECK(lab.far[i].installs().empty());
    CHECK(lab.far[i].calls_of("health").empty());
  }
  auto started = lab.per_host("WAVE-3", "step.started", "patch");
  CHECK(started.count("lab1") == 1);
  CHECK(started.count("lab2") == 1);
  CHECK(started.count("lab3") == 0);
  CHECK(started.count("lab4") == 0);

  auto waves = records_of(lab, "WAVE-3", "step.wave");
  REQUIRE(waves.size() == 1);
  CHECK(text_of(waves[0], "wave") == "wave 1");
  CHECK(names_in(waves[0], "hosts") == std::vector<std::string>{"lab1", "lab2"});
  CHECK(names_in(waves[0], "failed") == std::vector<std::string>{"lab2"});
  CHECK(names_in(waves[0], "held") == std::vector<std::string>{"lab3", "lab4"});
  CHECK(text_of(waves[0], "outcome") == "halted");
  CHECK(lab.per_host("WAVE-3", "step.verified", "patch").count("lab1") == 1);
  CHECK(lab.per_host("WAVE-3", "step.failed", "patch").count("lab2") == 1);
}

}  // namespace
}  // namespace responder::release::lab_test
