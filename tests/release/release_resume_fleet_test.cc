// Catching up a release, end to end through the command line, on ssh hosts
// of the lab (release_lab.h: real sshds in network namespaces, each host's
// own scratch dpkg root behind `dpkg`/`dpkg-query` shims): a host whose link
// is down while the release runs stays pending in `responder release
// status`, and `responder release resume` (once, or with --watch until it is
// back) patches it exactly once without touching the hosts already patched;
// and a controller killed right after each journal record in turn
// (responder-test's RESPONDER_KILL_AFTER_RECORD), then `responder resume`,
// leaves every host installed exactly once; so does a controller killed
// while dpkg -i runs on the hosts. Installs are counted from each
// host's own `calls` log and versions read back by the real dpkg, from the
// test.
#include <doctest/doctest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "responder/json.h"
#include "responder/module.h"
#include "tests/release/release_lab.h"
#include "tests/support/sanitized_build.h"
#include "tests/support/skip.h"

namespace responder::release::lab_test {
namespace {

using namespace std::chrono_literals;

#define REQUIRE_RELEASE_RESUME_LAB()                  \
  RESPONDER_SKIP_WHEN(lab::sshd_lab_unavailable());   \
  RESPONDER_SKIP_WHEN(release_tools_missing());       \
  RESPONDER_SKIP_WHEN(std::string(ModuleRegistry::instance().find("release.push") ? "" : "release.push is not in this build"))

// The release alone: no backup, no rollback, a health check that passes.
// `more` adds lines under `with:` (e.g. `canary: 0`).
std::string push_only(const std::string& more = "") {
  return "  accelerated-release:\n"
         "    - id: patch\n"
         "      module: release.push\n"
         "      targets: web\n"
         "      with:\n"
         "        artifact: rfix_1.0.1_all.deb\n"
         "        health: [lab-health]\n"
         "        health_delay: 100ms\n"
         "        health_retries: 1\n" +
         more;
}

// The command line as the fixture's responder() builds it (from the
// controller's namespace, with the lab's configuration), with `binary`.
std::vector<std::string> controller_argv(const ReleaseLab& lab, const std::string& binary, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"ip", "netns", "exec", lab.lab->controller, binary, "--config", lab.config.string(), "--home",
                                lab.home.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// Host i's link, as a machine that is switched off or unplugged.
void set_link(const ReleaseLab& lab, std::size_t i, bool up) {
  auto r = run_process({"ip", "-n", lab.lab->hosts.at(i).ns, "link", "set", "eth0", up ? "up" : "down"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
}

// Waits until host i's sshd answers from the controller again.
void wait_reachable(const ReleaseLab& lab, std::size_t i) {
  auto until = std::chrono::steady_clock::now() + 15s;
  while (!lab::tcp_connects(lab.lab->controller, lab.lab->hosts.at(i).address, 22, 200ms)) {
    REQUIRE(std::chrono::steady_clock::now() < until);
    std::this_thread::sleep_for(100ms);
  }
}

// Every host at 1.0.0, each far side checked over ssh, then an empty calls
// log (the checks' logins log nothing there, but a reset after a round
// starts the count again).
void set_up_old(const ReleaseLab& lab) {
  for (std::size_t i = 0; i < lab.far.size(); ++i) {
    lab.require_far_side(i);
    lab.preinstall(i, lab.old_deb);
    REQUIRE(lab.far[i].version() == "1.0.0");
    std::ofstream(lab.far[i].calls, std::ios::trunc);
  }
}

// The records of `kind` for the step `patch`, counted per host.
std::map<std::string, std::size_t> count_of(const ReleaseLab& lab, const std::string& id, const std::string& kind) {
  std::map<std::string, std::size_t> n;
  for (auto& [host, records] : lab.per_host(id, kind, "patch")) n[host] = records.size();
  return n;
}

// Whether `responder release status` output has `host`'s row in `state`.
bool row_says(const std::string& status, const std::string& host, const std::string& state) {
  return status.find("    " + host + "  " + state) != std::string::npos;
}

// Ends the ssh ControlMasters a run of incident `id` left (ControlPersist
// keeps them for minutes, detached from the controller, when the
// controller was killed), through their control sockets.
void end_ssh_masters(const ReleaseLab& lab, const std::string& id) {
  std::error_code ec;
  for (auto& entry : std::filesystem::directory_iterator(lab.home / id / "run", ec))
    if (entry.path().filename().string().starts_with("ssh-"))
      lab.controller({"ssh", "-F", (lab.lab->dir / "ssh_config").string(), "-o", "ControlPath=" + entry.path().string(), "-O",
                      "exit", "lab"});
}

TEST_CASE("release resume: a host that was down is pending, and release resume patches it when it is back") {
  REQUIRE_RELEASE_RESUME_LAB();
  ReleaseLab lab(3);
  set_up_old(lab);
  auto before3 = lab.far[2].snapshot();
  auto book = lab.playbook("catch-up", push_only("        canary: 0\n"));

  set_link(lab, 2, false);
  auto run = lab.responder({"run", book.string(), "--incident", "RES-1", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  CHECK(run.exit_code == 1);
  CHECK(run.out.find("patch on lab3: unreachable") != std::string::npos);
  for (std::size_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    INFO("calls:\n", testing::slurp(lab.far[i].calls));
    CHECK(lab.far[i].version() == "1.0.1");
    CHECK(lab.far[i].installs().size() == 1);
  }
  CHECK(lab.far[2].snapshot() == before3);
  CHECK(testing::slurp(lab.far[2].calls).empty());
  CHECK(count_of(lab, "RES-1", "host.unreachable")["lab3"] == 1);

  auto status = lab.responder({"release", "status", "RES-1"});
  INFO("STATUS exit ", status.exit_code, "\n", status.out, status.err);
  CHECK(status.exit_code == 0);
  CHECK(row_says(status.out, "lab1", "patched"));
  CHECK(row_says(status.out, "lab2", "patched"));
  CHECK(row_says(status.out, "lab3", "pending"));

  set_link(lab, 2, true);
  wait_reachable(lab, 2);
  auto resumed = lab.responder({"release", "resume", "RES-1"});
  INFO("RESUME exit ", resumed.exit_code, "\n", resumed.out, resumed.err);
  CHECK(resumed.exit_code == 0);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    INFO("calls:\n", testing::slurp(lab.far[i].calls));
    CHECK(lab.far[i].version() == "1.0.1");
    CHECK(lab.far[i].installed_ok());
    // lab1 and lab2 once, in the run; lab3 once, in the resume.
    CHECK(lab.far[i].installs().size() == 1);
  }
  auto applied = count_of(lab, "RES-1", "step.applied");
  CHECK(applied.size() == 3);
  for (auto& [host, n] : applied) CHECK_MESSAGE(n == 1, host);
  CHECK(text_of(lab.output("RES-1", "patch", "lab3"), "state") == "patched");
  CHECK(text_of(lab.output("RES-1", "patch", "lab3"), "version_before") == "1.0.0");

  auto after = lab.responder({"release", "status", "RES-1"});
  INFO("STATUS after\n", after.out, after.err);
  for (auto* host : {"lab1", "lab2", "lab3"}) CHECK_MESSAGE(row_says(after.out, host, "patched"), host);
  CHECK(after.out.find("pending") == std::string::npos);
}

TEST_CASE("release resume: --watch keeps trying until the host comes back") {
  REQUIRE_RELEASE_RESUME_LAB();
  ReleaseLab lab(3);
  set_up_old(lab);
  auto before3 = lab.far[2].snapshot();
  auto book = lab.playbook("watch", push_only("        canary: 0\n"));

  set_link(lab, 2, false);
  auto run = lab.responder({"run", book.string(), "--incident", "RES-2", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  CHECK(run.exit_code == 1);
  CHECK(lab.far[2].snapshot() == before3);
  REQUIRE(count_of(lab, "RES-2", "host.unreachable")["lab3"] == 1);

  testing::Process watch(controller_argv(lab, RESPONDER_BINARY, {"release", "resume", "RES-2", "--watch", "--every", "1s", "--until", "60s"}));
  // The watch's first pass finds lab3 still down (a second unreachable
  // record), and a little later the host comes back.
  auto started = std::chrono::steady_clock::now();
  auto limit = started + 30s;
  while (count_of(lab, "RES-2", "host.unreachable")["lab3"] < 2 && std::chrono::steady_clock::now() < limit)
    std::this_thread::sleep_for(100ms);
  CHECK(count_of(lab, "RES-2", "host.unreachable")["lab3"] >= 2);
  if (auto waited = std::chrono::steady_clock::now() - started; waited < 2s) std::this_thread::sleep_for(2s - waited);
  CHECK(lab.far[2].snapshot() == before3);
  set_link(lab, 2, true);

  auto watched = watch.wait(std::chrono::seconds(90));
  INFO("WATCH exit ", watched.exit_code, " signal ", watched.signal, "\n", watched.out, watched.err);
  CHECK(watched.exit_code == 0);
  CHECK(watched.out.find("host(s) pending after pass 1") != std::string::npos);
  CHECK(watched.out.find("no host is pending any more") != std::string::npos);
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(i);
    INFO("calls:\n", testing::slurp(lab.far[i].calls));
    CHECK(lab.far[i].version() == "1.0.1");
    CHECK(lab.far[i].installs().size() == 1);
  }
  auto applied = count_of(lab, "RES-2", "step.applied");
  CHECK(applied.size() == 3);
  for (auto& [host, n] : applied) CHECK_MESSAGE(n == 1, host);
  auto status = lab.responder({"release", "status", "RES-2"});
  INFO("STATUS\n", status.out, status.err);
  CHECK(row_says(status.out, "lab3", "patched"));
}

TEST_CASE("release export: a host handed to Ansible is left alone by release resume, and --take-back patches it here") {
  REQUIRE_RELEASE_RESUME_LAB();
  ReleaseLab lab(2);
  set_up_old(lab);
  auto before2 = lab.far[1].snapshot();
  auto book = lab.playbook("hand-off", push_only("        canary: 0\n"));

  set_link(lab, 1, false);
  auto run = lab.responder({"run", book.string(), "--incident", "OFF-1", "-i", lab.inventory.string()});
  INFO("RUN exit ", run.exit_code, "\n", run.out, run.err);
  CHECK(run.exit_code == 1);
  REQUIRE(lab.far[0].installs().size() == 1);
  set_link(lab, 1, true);
  wait_reachable(lab, 1);

  // Only the host not yet patched is handed to Ansible.
  auto awx = lab.scratch / "awx";
  auto exported = lab.responder({"release", "export", "OFF-1", "--ansible", awx.string()});
  INFO("EXPORT exit ", exported.exit_code, "\n", exported.out, exported.err);
  REQUIRE(exported.exit_code == 0);
  CHECK(exported.out.find("for 1 host(s)") != std::string::npos);
  auto inventory = testing::slurp(awx / "inventory.yml");
  CHECK(inventory.find("\"lab2\":") != std::string::npos);
  CHECK(inventory.find("\"lab1\"") == std::string::npos);
  auto status = lab.responder({"release", "status", "OFF-1"});
  INFO("STATUS\n", status.out, status.err);
  CHECK(row_says(status.out, "lab1", "patched"));
  CHECK(row_says(status.out, "lab2", "with-ansible"));

  // Exported again, elsewhere: not handed out a second time.
  auto twice = lab.responder({"release", "export", "OFF-1", "--ansible", (lab.scratch / "awx2").string()});
  INFO("EXPORT again exit ", twice.exit_code, "\n", twice.out, twice.err);
  CHECK(twice.exit_code == 0);
  CHECK(twice.out.find("already with Ansible") != std::string::npos);
  CHECK(twice.out.find("lab2 (" + awx.string() + ")") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(lab.scratch / "awx2" / "inventory.yml"));
  // A take-back is all or nothing: never with --limit.
  CHECK(lab.responder({"release", "resume", "OFF-1", "--take-back", "--limit", "lab2"}).exit_code == 2);

  // The host is reachable again, but Ansible has it: a native resume, and
  // a watch, leave it alone rather than race Ansible's run there.
  auto resumed = lab.responder({"release", "resume", "OFF-1", "--watch", "--every", "1s", "--until", "30s"});
  INFO("RESUME exit ", resumed.exit_code, "\n", resumed.out, resumed.err);
  CHECK(resumed.exit_code == 0);
  CHECK(resumed.out.find("lab2: exported to " + awx.string()) != std::string::npos);
  CHECK(resumed.out.find("no host is pending any more") != std::string::npos);
  CHECK(lab.far[1].installs().empty());
  CHECK(lab.far[1].snapshot() == before2);
  CHECK(count_of(lab, "OFF-1", "step.started").count("lab2") == 0);

  // Ansible's run never came: responder takes the host back and patches it, once.
  auto taken = lab.responder({"release", "resume", "OFF-1", "--take-back"});
  INFO("TAKE-BACK exit ", taken.exit_code, "\n", taken.out, taken.err);
  CHECK(taken.exit_code == 0);
  CHECK(taken.out.find("taken back from Ansible: lab2") != std::string::npos);
  for (std::size_t i = 0; i < 2; ++i) {
    CAPTURE(i);
    CHECK(lab.far[i].version() == "1.0.1");
    CHECK(lab.far[i].installs().size() == 1);
  }
  auto after = lab.responder({"release", "status", "OFF-1"});
  INFO("STATUS after\n", after.out, after.err);
  CHECK(row_says(after.out, "lab2", "patched"));
  // Nothing is left to take back, and a watch ends at once; with --json
  // it says so as JSON.
  auto again = lab.responder({"release", "resume", "OFF-1", "--take-back", "--watch", "--json", "--every", "1s", "--until", "10s"});
  INFO("AGAIN exit ", again.exit_code, "\n", again.out, again.err);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("taken back") == std::string::npos);
  CHECK(again.out.find("{\"incident\":\"OFF-1\",\"watch\":\"done\",\"pass\":1,\"pending\":0}") != std::string::npos);
}

TEST_CASE("release resume: the controller killed after each journal record, then resume: every host installed exactly once") {
  REQUIRE_RELEASE_RESUME_LAB();
  constexpr std::size_t kHosts = 2;
  ReleaseLab lab(kHosts);
  set_up_old(lab);
  // The default canary: one host first, then a wave with the other, so the
  // run has kill points between the waves too.
  auto book = lab.playbook("killed", push_only());

  // A clean run, for the number of records a whole run makes.
  auto clean = lab.responder({"run", book.string(), "--incident", "CLEAN", "-i", lab.inventory.string()});
  INFO("CLEAN exit ", clean.exit_code, "\n", clean.out, clean.err);
  REQUIRE(clean.exit_code == 0);
  for (std::size_t i = 0; i < kHosts; ++i) {
    CHECK(lab.far[i].version() == "1.0.1");
    CHECK(lab.far[i].installs().size() == 1);
  }
  const std::size_t records = lab.journal("CLEAN").size();
  REQUIRE(records > 5);

  // Every record but the last (after run.finished there is nothing to
  // resume), at most 15 rounds (6 under the sanitizers: sanitized_build.h),
  // spread over the run.
  const std::size_t rounds = testing::kSanitizedBuild ? 6 : 15;
  std::vector<std::size_t> kill_after;
  for (std::size_t n = 1; n < records; ++n) kill_after.push_back(n);
  if (kill_after.size() > rounds) {
    std::vector<std::size_t> some;
    for (std::size_t k = 0; k < rounds; ++k) some.push_back(1 + k * (records - 2) / (rounds - 1));
    kill_after = some;
  }
  MESSAGE("a clean run makes ", records, " records; killing after record 1..", kill_after.back(), " (", kill_after.size(), " rounds)");

  for (std::size_t n : kill_after) {
    set_up_old(lab);
    std::string id = "KILL-" + std::to_string(n);
    CAPTURE(id);
    auto killed = run_process(controller_argv(lab, RESPONDER_TEST_BINARY, {"run", book.string(), "--incident", id, "-i",
                                                                          lab.inventory.string()}),
                              {"RESPONDER_KILL_AFTER_RECORD=" + std::to_string(n)});
    INFO("KILLED exit ", killed.exit_code, " signal ", killed.signal, "\n", killed.out, killed.err);
    CHECK(killed.signal == SIGKILL);
    CHECK(lab.journal(id).size() >= n);
    std::vector<std::size_t> installs_before;
    for (auto& h : lab.far) installs_before.push_back(h.installs().size());

    auto resumed = lab.responder({"resume", id});
    INFO("RESUME exit ", resumed.exit_code, "\n", resumed.out, resumed.err);
    CHECK(resumed.exit_code == 0);
    for (std::size_t i = 0; i < kHosts; ++i) {
      CAPTURE(i);
      auto& h = lab.far[i];
      INFO("installs before the resume: ", installs_before[i], "\ncalls:\n", testing::slurp(h.calls));
      CHECK(h.version() == "1.0.1");
      CHECK(h.installed_ok());
      auto installs = h.installs();
      CHECK(installs.size() == 1);
      for (auto& file : installs) CHECK(file != lab.old_deb.string());
    }
    auto applied = count_of(lab, id, "step.applied");
    CHECK(applied.size() == kHosts);
    for (auto& [host, count] : applied) CHECK_MESSAGE(count == 1, host);
    auto verified = count_of(lab, id, "step.verified");
    CHECK(verified.size() == kHosts);
    CHECK(count_of(lab, id, "step.failed").empty());
    auto status = lab.responder({"release", "status", id});
    INFO("STATUS\n", status.out, status.err);
    CHECK(row_says(status.out, "lab1", "patched"));
    CHECK(row_says(status.out, "lab2", "patched"));
    end_ssh_masters(lab, id);
  }
}

// The controller dies while `dpkg -i` runs on every host (an install that
// takes a while): each far side hears its controller go (end of input) and
// is asked to stop at a safe point; the install it is running finishes.
// Whatever it then does, its outcome must let a resume at once (which waits
// for the far side's turn on the step) recover a receipt, and nothing may
// be installed twice.
TEST_CASE("release resume: the controller killed while dpkg -i runs on the hosts, then resume: recovered, installed once, never rolled back") {
  REQUIRE_RELEASE_RESUME_LAB();
  constexpr std::size_t kHosts = 2;
  ReleaseLab lab(kHosts);
  for (bool with_rollback : {false, true}) {
    std::string id = with_rollback ? "MID-ROLLBACK" : "MID-1";
    CAPTURE(id);
    set_up_old(lab);
    auto book = lab.playbook("slow-" + id,
                             push_only("        canary: 0\n"
                                       "        install: [sh, -c, 'dpkg -i \"$0\" && sleep 2', '{{ artifact }}']\n" +
                                       (with_rollback ? "        rollback: [dpkg, -i, " + lab.old_deb.string() + "]\n" : std::string())));
    testing::ProcessResult killed;
    {
      testing::Process controller(
          controller_argv(lab, RESPONDER_BINARY, {"run", book.string(), "--incident", id, "-i", lab.inventory.string()}));
      auto limit = std::chrono::steady_clock::now() + 30s;
      auto installing = [&] {
        for (auto& h : lab.far)
          if (h.installs().empty()) return false;
        return true;
      };
      while (!installing() && std::chrono::steady_clock::now() < limit) std::this_thread::sleep_for(20ms);
      REQUIRE(installing());
      // The controller alone: its ssh sessions live on, as after a crash.
      controller.signal(SIGKILL);
      killed = controller.wait();
    }
    INFO("KILLED exit ", killed.exit_code, " signal ", killed.signal, "\n", killed.out, killed.err);
    CHECK(killed.signal == SIGKILL);
    CHECK(count_of(lab, id, "step.applied").empty());
    CHECK(count_of(lab, id, "step.started").size() == kHosts);

    // At once: the far sides are still in their install.
    auto resumed = lab.responder({"resume", id});
    INFO("RESUME exit ", resumed.exit_code, "\n", resumed.out, resumed.err);
    CHECK(resumed.exit_code == 0);
    for (std::size_t i = 0; i < kHosts; ++i) {
      CAPTURE(i);
      auto& h = lab.far[i];
      INFO("calls:\n", testing::slurp(h.calls), "\noutcome.json: ", testing::slurp(h.state / id / "patch/outcome.json"));
      CHECK(h.version() == "1.0.1");
      auto installs = h.installs();
      CHECK(installs.size() == 1);
      for (auto& file : installs) CHECK(file != lab.old_deb.string());  // no rollback
    }
    auto applied = lab.per_host(id, "step.applied", "patch");
    CHECK(applied.size() == kHosts);
    for (auto& [host, records] : applied) {
      CAPTURE(host);
      CHECK(records.size() == 1);
      if (records.size() == 1) CHECK(to_json_text(records[0].at("receipt")).find("\"state\":\"patched\"") != std::string::npos);
    }
    CHECK(count_of(lab, id, "step.failed").empty());
    auto status = lab.responder({"release", "status", id});
    INFO("STATUS\n", status.out, status.err);
    CHECK(row_says(status.out, "lab1", "patched"));
    CHECK(row_says(status.out, "lab2", "patched"));
    end_ssh_masters(lab, id);
  }
}

}  // namespace
}  // namespace responder::release::lab_test
