// responder drill [PLAYBOOK] [--scenario NAME] [--incident ID] [--approvers A,B] [--keep]
// responder drill --clean
//
// A rehearsal of a shipped playbook against real attack traffic in a lab of
// namespaces (drill_lab.h), scored from the journal and the lab's counters
// (drill_score.h), torn down at the end. The playbook runs unchanged, as the
// responder on the attacked machine would run it: its controller runs inside
// the victim host, so every step acts on the victim's firewall, accounts and
// files, never on this machine's.
#include <CLI/CLI.hpp>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <set>
#include <thread>

#include "responder/child_process.h"
#include "responder/clock.h"
#include "responder/command.h"
#include "responder/drill/attack_counters.h"
#include "responder/drill/drill_lab.h"
#include "responder/drill/drill_scenario.h"
#include "responder/drill/drill_score.h"
#include "responder/drill/lab_capture.h"
#include "responder/drill/lab_snapshot.h"
#include "responder/drill/lab_process.h"
#include "responder/drill/lab_release.h"
#include "responder/durable_file.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_lock.h"
#include "responder/incident_state.h"
#include "responder/interrupt.h"
#include "responder/journal.h"
#include "responder/journal_record_kind.h"
#include "responder/playbook_loader.h"

namespace responder::drill {
namespace {

struct DrillOptions {
  std::string playbook, scenario, incident, approvers;
  bool keep = false, clean = false;
};

// Lines of the drill itself, apart from the run's own.
class DrillOutput {
 public:
  explicit DrillOutput(bool json) : json_(json) {}
  void say(const std::string& line) const {
    if (json_) std::cout << to_json_text(json::object{{"drill", line}}) << std::endl;
    else std::cout << "drill: " << line << std::endl;
  }

 private:
  bool json_;
};

std::filesystem::path self_program() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path("responder") : self;
}

// A path as given, else a shipped playbook by name: beside an installed
// binary (share/responder/playbooks), beside a build folder of the source
// tree, or in ./playbooks.
Result<std::filesystem::path> locate_playbook(const std::string& given) {
  std::error_code ec;
  if (given.find('/') != std::string::npos || given.ends_with(".yaml") || given.ends_with(".yml")) {
    if (std::filesystem::is_regular_file(given, ec)) return std::filesystem::path(given);
    return bad_input("playbook " + given + " does not exist");
  }
  auto bin = self_program().parent_path();
  for (auto dir : {bin / ".." / "share" / "responder" / "playbooks", bin / ".." / "playbooks", std::filesystem::path("playbooks")}) {
    auto file = dir / (given + ".yaml");
    if (std::filesystem::is_regular_file(file, ec)) return std::filesystem::absolute(file).lexically_normal();
  }
  return bad_input("no shipped playbook named " + given + " (looked beside this program and in ./playbooks); give its path");
}

std::string scenario_list() {
  std::string out;
  for (auto& s : scenarios()) out += "\n  " + s.playbook + " --scenario " + s.name + ": " + s.summary;
  return out;
}

std::string replaced(std::string text, const std::string& key, const std::string& value) {
  for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
    text.replace(at, key.size(), value);
  return text;
}

// What a scenario's variables' placeholders stand for in one drill.
struct PlaceholderValues {
  std::string capture, source, patch;
};

// The scenario's variables as `--var` arguments, placeholders filled in.
std::vector<std::string> variable_arguments(const Scenario& scenario, const PlaceholderValues& values) {
  std::vector<std::string> out;
  for (auto& v : scenario.variables) {
    std::string value = v;
    for (auto& [key, with] : {std::pair{"{attacker}", std::string(kAttacker4)}, std::pair{"{capture}", values.capture},
                              std::pair{"{source}", values.source}, std::pair{"{patch}", values.patch}})
      value = replaced(value, key, with);
    out.insert(out.end(), {"--var", value});
  }
  return out;
}

std::string default_incident_id() {
  std::string now = now_rfc3339();  // 2026-12-04T21:41:50.123Z
  std::string id = "DRILL-";
  for (char c : now.substr(0, 19))
    if (std::isdigit(static_cast<unsigned char>(c))) id += c;
  return id.substr(0, 14) + "-" + id.substr(14);
}

// `responder plan` of the playbook with the scenario's variables: what a
// machine that cannot build the lab can still be shown.
int show_plan_instead(const std::filesystem::path& playbook, const Scenario& scenario, const GlobalOptions& globals) {
  std::vector<std::string> argv{self_program().string()};
  if (!globals.config.empty()) argv.insert(argv.end(), {"--config", globals.config});
  argv.insert(argv.end(), {"plan", playbook.string()});
  auto vars = variable_arguments(scenario, {"lab-capture.pcap", kAttacker4,
                                            scenario.patch ? scenario.patch->package + "_" + scenario.patch->fixed + "_all.deb" : ""});
  argv.insert(argv.end(), vars.begin(), vars.end());
  auto plan = LabProcess::start(argv);
  if (!plan) return report_error(plan.error());
  (void)plan->wait(std::chrono::hours(1));
  // Refused whatever the plan found: the drill itself did not run.
  return kExitRefused;
}

// Answers the approvals the run waits for as the drill's approvers, or
// says once who must approve when people rehearse the approval path.
class DrillApprovals {
 public:
  DrillApprovals(std::vector<std::string> base, std::string incident, std::vector<std::string> people, const DrillOutput& out)
      : base_(std::move(base)), incident_(std::move(incident)), people_(std::move(people)), out_(out) {}

  void set_how_to_approve(std::string program_and_options) { how_ = std::move(program_and_options); }

  void answer(const JournalContents& journal) {
    for (auto& r : journal.records) {
      if (r.kind != record_kind::approval_waiting || handled_.count(r.seq)) continue;
      handled_.insert(r.seq);
      std::string step = r.text("step");
      int needed = 1;
      if (auto* n = r.fields.if_contains("needed"); n && n->is_int64()) needed = static_cast<int>(n->get_int64());
      std::set<std::string> already;
      if (auto* by = r.fields.if_contains("approved_by"); by && by->is_array())
        for (auto& b : by->get_array())
          if (b.is_string()) already.insert(std::string(b.get_string()));
      if (!people_.empty()) {
        out_.say("step " + step + " waits for " + std::to_string(needed) + " approval(s) from the team: " +
                 comma_joined(people_) + "; each runs `" + how_ + " approve " + incident_ + " " + step + " --as NAME`");
        continue;
      }
      for (int k = 1; static_cast<int>(already.size()) < needed && k <= needed + 8; ++k) {
        std::string name = "drill-approver-" + std::to_string(k);
        if (already.count(name)) continue;
        auto argv = base_;
        argv.insert(argv.end(), {"approve", incident_, step, "--as", name});
        auto r2 = run_program(argv, {}, std::chrono::seconds(30));
        if (r2 && r2->exit_code == 0) {
          already.insert(name);
          out_.say("approved " + step + " as " + name + " (answered by the drill)");
        } else {
          out_.say("could not approve " + step + " as " + name + ": " + (r2 ? describe_exit(argv, *r2) : r2.error().message));
          break;
        }
      }
    }
  }

 private:
  std::vector<std::string> base_;
  std::string incident_;
  std::vector<std::string> people_;
  const DrillOutput& out_;
  std::set<std::uint64_t> handled_;
  std::string how_ = "responder";
};

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text + ",") {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  return out;
}

// Every host's counters, sampled together.
class CounterLog {
 public:
  explicit CounterLog(const DrillLab& lab) : lab_(lab) {
    for (std::size_t i = 0; i < lab.host_count(); ++i) hosts_.push_back({lab.host(i).name, {}});
  }
  void sample() {
    for (std::size_t i = 0; i < hosts_.size(); ++i)
      if (auto c = read_attack_counters(lab_, i)) hosts_[i].samples.push_back({now_unix_ms(), c->arrived, c->passed});
  }
  // Samples every 100 ms for `span`.
  void sample_for(std::chrono::milliseconds span) {
    auto until = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < until) {
      sample();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  // When every host had begun to drop the attack, by the score's own rule
  // (above what the kernel dropped by itself, two intervals in a row); 0:
  // not yet.
  std::int64_t dropping_since(const DrillTimeline& timeline, bool limit) const {
    std::int64_t all = 0;
    for (auto& h : hosts_) {
      auto first = read_host_counters(h.samples, timeline, limit, 0).dropping_from;
      if (!first) return 0;
      all = std::max(all, first);
    }
    return all;
  }
  const std::vector<HostSamples>& hosts() const { return hosts_; }

 private:
  const DrillLab& lab_;
  std::vector<HostSamples> hosts_;
};

// The lab's hosts as an inventory, reached through their namespaces (the
// targets' `namespace` transport), all in group `fleet`.
std::string lab_inventory(const DrillLab& lab) {
  std::string text = "# written by responder drill: the lab's hosts, entered through their namespaces\nall:\n  children:\n    fleet:\n      hosts:\n";
  for (std::size_t i = 0; i < lab.host_count(); ++i)
    text += "        " + lab.host(i).name + ": {ansible_connection: namespace, responder_netns_pid: " + std::to_string(lab.host(i).pid) +
            ", release_group: lab}\n";
  return text;
}

bool all_hosts_alive(const DrillLab& lab) {
  for (std::size_t i = 0; i < lab.host_count(); ++i)
    if (!lab.host_alive(i)) return false;
  return true;
}

int drill(const GlobalOptions& globals, const DrillOptions& o) {
  DrillOutput out(globals.json);
  if (o.clean) {
    auto removed = clean_leftover_labs();
    if (!removed) return report_error(removed.error());
    if (removed->empty()) out.say("no lab was left behind");
    for (auto& line : *removed) out.say("removed " + line);
    return kExitSuccess;
  }
  auto playbook_file = locate_playbook(o.playbook.empty() ? kDefaultDrillPlaybook : o.playbook);
  if (!playbook_file) return report_error(playbook_file.error());
  auto loaded = load_playbook_file(*playbook_file);
  for (auto& d : loaded.diagnostics) std::cerr << d.format() << "\n";
  if (!loaded.playbook) return kExitBadInput;
  const Playbook& playbook = *loaded.playbook;
  const Scenario* scenario = find_scenario(playbook.name, o.scenario);
  if (!scenario)
    return report_error(bad_input("no drill scenario " + (o.scenario.empty() ? std::string() : "`" + o.scenario + "` ") +
                                  "for playbook " + playbook.name + "; drills this build knows:" + scenario_list()));

  std::vector<std::string> programs{"unshare", "nsenter", "ip", "nft"};
  for (auto& phase : scenario->phases) programs.push_back(phase.argv.front());
  if (!scenario->persistent.argv.empty()) programs.push_back(scenario->persistent.argv.front());
  if (scenario->sshd) programs.push_back("sshd");
  programs.insert(programs.end(), scenario->needs.begin(), scenario->needs.end());
  std::sort(programs.begin(), programs.end());
  programs.erase(std::unique(programs.begin(), programs.end()), programs.end());
  if (auto missing = missing_for_drill(programs); !missing.empty()) {
    std::cerr << "responder: a drill builds a lab of namespaces and attacks it; this machine lacks:\n";
    for (auto& m : missing) std::cerr << "  - " << m << "\n";
    std::cerr << "responder: showing what " << playbook.name << " would do instead (plan; nothing is changed)\n";
    return show_plan_instead(*playbook_file, *scenario, globals);
  }

  // A fleet's controller runs in the management host, which shares this
  // machine's files, services and accounts: a step without targets: that
  // acts on a host would act on this machine. Only steps that record, tell
  // or read run there.
  if (!scenario->fleet.empty())
    for (const Step* step : playbook.all_steps()) {
      static const std::set<std::string> kControllerSafe{"note.add", "notify.send", "report.write", "wait", "evidence.seal", "traffic.analyze"};
      if (!has_remote_targets(*step) && !kControllerSafe.count(step->module))
        return report_error(bad_input("step " + step->id + " (" + step->module + ") of " + playbook.name +
                                      " has no targets:, so in a fleet drill it would act on this machine, where the controller runs; "
                                      "give it targets: (the fleet), or drill a playbook whose acting steps all have them"));
    }

  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  const std::string id = o.incident.empty() ? default_incident_id() : o.incident;
  if (auto s = check_incident_id(id); !s) return report_error(s.error());
  // Through its links: /var/run is /run, which the victim has a private copy of.
  const auto home = std::filesystem::weakly_canonical(std::filesystem::absolute(env->home));
  for (const char* private_folder : {"/etc", "/run", "/var/log", "/srv", "/opt", "/var/lib/dpkg", "/var/mail", "/var/spool/mail"})
    if (auto rel = home.lexically_relative(private_folder); !rel.empty() && *rel.begin() != "..")
      return report_error(bad_input("the incident home " + home.string() + " is under " + private_folder +
                                    ", which the victim has a private copy of; give --home elsewhere"));
  const auto incident_dir = home / id;
  std::error_code ec;
  if (std::filesystem::exists(incident_dir, ec))
    return report_error(bad_input("incident " + id + " already exists in " + home.string() + "; choose another --incident"));
  std::filesystem::create_directories(home, ec);
  if (ec) return report_error(failure("cannot make the incident home " + home.string() + ": " + ec.message()));

  install_interrupt_handlers();
  const auto began = std::chrono::steady_clock::now();
  out.say("rehearsing " + playbook.name + " (" + scenario->name + ": " + scenario->summary + ") as incident " + id);
  LabOptions lab_options{id, home / ".labs" / id, o.keep, scenario->sshd, scenario->accounts, scenario->units, scenario->setup, scenario->start,
                         scenario->fleet, scenario->patch.has_value()};
  auto lab = DrillLab::build(lab_options, [&](const std::string& part) { out.say("lab: " + part); });
  if (!lab) return report_error(lab.error());
  if (o.keep) lab->keep();
  for (auto& [name, text] : scenario->files)
    if (auto s = write_file_atomically(lab->dir() / name, replaced(text, "{lab}", lab->dir().string()), 0644); !s)
      return report_error(s.error());
  const std::filesystem::path config = lab->dir() / "responder.yaml";
  const std::filesystem::path notifications = lab->dir() / "notifications.jsonl";
  std::optional<LabRelease> release;
  if (scenario->patch) {
    out.say("lab: the patch: " + scenario->patch->package + " " + scenario->patch->installed + " on every host, " +
            scenario->patch->fixed + " built and signed with a key made for this drill");
    auto made = make_lab_release(*lab, *scenario->patch);
    if (!made) return report_error(made.error());
    release = std::move(*made);
  }
  // The drill's own configuration, nothing of this machine's: no approvers
  // (the drill answers), and the lab's contacts, told over a file channel.
  if (auto s = write_file_atomically(config,
                                     "# written by responder drill for incident " + id + "\n"
                                     "contacts: contacts.yaml\n" +
                                     (release ? "keys:\n  release: " + to_json_text(json::string(release->public_key.string())) + "\n"
                                              : std::string()) +
                                     "notify:\n"
                                     "  channels:\n"
                                     "    drill: {type: file, path: " + to_json_text(json::string(notifications.string())) + "}\n",
                                     0644);
      !s)
    return report_error(s.error());
  if (auto s = write_file_atomically(lab->dir() / "contacts.yaml",
                                     "# the drill's own people; every message goes to the drill's file channel\n"
                                     "people:\n"
                                     "  drill-responder:\n"
                                     "    name: Drill incident responder\n"
                                     "    roles: [incident-team]\n"
                                     "    reach: [{channel: drill, to: incident-team@drill.invalid}]\n"
                                     "  drill-provider:\n"
                                     "    name: Drill network provider\n"
                                     "    roles: [provider]\n"
                                     "    reach: [{channel: drill, to: noc@provider.invalid}]\n",
                                     0644);
      !s)
    return report_error(s.error());

  std::vector<LabSnapshot> before;
  for (std::size_t i = 0; i < lab->host_count(); ++i) {
    auto snap = snapshot_lab(*lab, i);
    if (!snap) return report_error(snap.error());
    before.push_back(std::move(*snap));
  }
  if (interrupt_requested()) {
    out.say("interrupted while the lab was built; tearing it down");
    return kExitInterrupted;
  }
  for (std::size_t i = 0; i < lab->host_count(); ++i)
    if (auto s = install_attack_counters(*lab, i); !s) return report_error(s.error());
  CounterLog counters(*lab);
  counters.sample();

  // The attack, while the victim captures what its interfaces carry.
  const auto capture_file = lab->dir() / "capture.pcap";
  auto capture = LabCapture::start(lab->victim_netns_fd(), capture_file);
  if (!capture) return report_error(capture.error());
  DrillTimeline timeline;
  timeline.attack_started_ms = now_unix_ms();
  auto expand = [&](std::vector<std::string> argv) {
    for (auto& a : argv) a = replaced(a, "{lab}", lab->dir().string());
    return argv;
  };
  std::optional<LabProcess> persistent;
  if (!scenario->persistent.argv.empty()) {
    out.say("attack: " + scenario->persistent.what + ", from " + std::string(kAttacker4) +
            (scenario->gives_up_after.count() ? " until it is contained" : " until the drill ends"));
    auto started = LabProcess::start(lab->in_attacker(expand(scenario->persistent.argv)), lab->dir() / "attack.log");
    if (!started) return report_error(started.error());
    persistent = std::move(*started);
  } else if (scenario->advisory) {
    out.say("no attack: the playbook starts on a vendor's advisory");
  }
  for (auto& phase : scenario->phases) {
    out.say("attack: " + phase.what);
    auto p = LabProcess::start(lab->in_attacker(expand(phase.argv)), lab->dir() / "attack.log");
    if (!p) return report_error(p.error());
    const std::int64_t phase_started_ms = now_unix_ms();
    while (!p->wait(std::chrono::milliseconds(100))) {
      counters.sample();
      if (interrupt_requested()) break;
      if (now_unix_ms() - phase_started_ms > phase.limit.count() * 1000) {
        out.say("attack: " + phase.what + " ran past " + std::to_string(phase.limit.count()) + " s and was ended");
        p->stop();
      }
    }
    if (interrupt_requested()) break;
  }
  if (scenario->phases.empty() && scenario->capture_for.count()) {
    out.say("the victim captures the attack for " + std::to_string(scenario->capture_for.count()) + " s");
    auto until = std::chrono::steady_clock::now() + scenario->capture_for;
    while (std::chrono::steady_clock::now() < until && !interrupt_requested()) counters.sample_for(std::chrono::milliseconds(100));
  }
  auto captured = (*capture)->stop();
  if (!captured) return report_error(captured.error());
  const std::string first_host = lab->is_fleet() ? lab->host(0).name : std::string("the victim");
  if (!scenario->advisory) out.say("lab capture: " + std::to_string(*captured) + " packets seen by " + first_host + ", in " + capture_file.string());
  if (interrupt_requested()) {
    out.say("interrupted before the playbook ran; tearing the lab down");
    return kExitInterrupted;
  }
  // The alert a playbook that is handed the attacker starts from: what the
  // analysis of the first host's capture found, never the drill's knowledge.
  if (scenario->alert_from_capture) {
    std::vector<std::string> analyze{self_program().string(), "--json", "analyze", capture_file.string()};
    auto found = run_program(analyze, {}, std::chrono::minutes(2));
    timeline.alerted_ms = now_unix_ms();
    try {
      if (found && found->exit_code == 0) {
        auto doc = parse_json(found->out).as_object();
        if (auto* k = doc.if_contains("kind"); k && k->is_string()) timeline.alert_kind = std::string(k->get_string());
        if (auto* src = doc.if_contains("sources"); src && src->is_array() && !src->get_array().empty() && src->get_array()[0].is_string())
          timeline.alert_source = std::string(src->get_array()[0].get_string());
      }
    } catch (const std::exception&) {
    }
    if (timeline.alert_source.empty()) {
      out.say("alert: the analysis of " + first_host + "'s capture named no attacker" +
              (found ? (found->exit_code ? ": " + describe_exit(analyze, *found) : std::string()) : ": " + found.error().message) +
              "; the playbook cannot be handed one");
      return kExitStepFailed;
    }
    out.say("alert: `responder analyze` of " + first_host + "'s capture found a " + timeline.alert_kind + " attack from " +
            timeline.alert_source + "; the playbook is handed that source");
  }

  // The run, as the responder on the victim would start it.
  const std::vector<std::string> base{self_program().string(), "--home", home.string(), "--config", config.string()};
  // The run and the undo act in the lab: the responder on the victim sits
  // at its console (an SSH session of the drill's own, the person who
  // started it, is not the victim's, and would make access.disable keep
  // the victim's sshd running for it), and a fleet host's far side reads
  // its own configuration (its private /etc/responder), never the drill's
  // environment's.
  // Their temporary files (a far side's staged attachments) go in the lab
  // folder, which teardown and --clean remove, never in this machine's /tmp.
  const std::filesystem::path lab_tmp = lab->dir() / "tmp";
  std::error_code tmp_ec;
  std::filesystem::create_directory(lab_tmp, tmp_ec);
  if (!tmp_ec) std::filesystem::permissions(lab_tmp, std::filesystem::perms::owner_all, tmp_ec);
  if (tmp_ec) return report_error(failure("cannot make the lab's temporary folder " + lab_tmp.string() + ": " + tmp_ec.message()));
  std::vector<std::string> in_lab{"env", "-u", "SSH_CONNECTION", "-u", "SSH_CLIENT", "-u", "SSH_TTY", "-u", "RESPONDER_CONFIG", "TMPDIR=" + lab_tmp.string()};
  in_lab.insert(in_lab.end(), base.begin(), base.end());
  std::vector<std::string> run_argv = in_lab;
  if (globals.json) run_argv.push_back("--json");
  run_argv.insert(run_argv.end(), {"--allow", kManagementRange, "run", playbook_file->string(), "--incident", id, "--drill"});
  auto vars = variable_arguments(*scenario, {capture_file.string(), timeline.alert_source, release ? release->fixed_deb.string() : ""});
  run_argv.insert(run_argv.end(), vars.begin(), vars.end());
  // A fleet's playbook acts through targets: from the management host, on
  // the hosts of an inventory the drill writes (each entered through its
  // namespaces); the one victim's runs on the victim itself.
  const std::filesystem::path inventory = lab->dir() / "inventory.yaml";
  if (lab->is_fleet()) {
    if (auto s = write_file_atomically(inventory, lab_inventory(*lab), 0644); !s) return report_error(s.error());
    run_argv.insert(run_argv.end(), {"--inventory", inventory.string()});
  }
  std::error_code cwd_ec;
  auto cwd = std::filesystem::current_path(cwd_ec);
  if (!all_hosts_alive(*lab)) return report_error(failure("a lab host ended before the playbook ran; the lab is torn down"));
  timeline.run_started_ms = now_unix_ms();
  auto run = LabProcess::start(lab->in_controller(run_argv, cwd_ec ? std::filesystem::path("/") : cwd));
  if (!run) return report_error(run.error());
  DrillApprovals approvals(base, id, split_names(o.approvers), out);
  approvals.set_how_to_approve(self_program().string() + " --home " + home.string() + " --config " + config.string());
  bool asked_to_stop = false;
  std::optional<int> run_exit;
  std::int64_t contained_seen_ms = 0;
  auto attacker_gives_up = [&] {
    if (scenario->gives_up_after.count() == 0 || timeline.attack_stopped_ms) return;
    if (!contained_seen_ms) contained_seen_ms = counters.dropping_since(timeline, scenario->containment == ContainmentKind::limit);
    if (contained_seen_ms && now_unix_ms() - contained_seen_ms >= scenario->gives_up_after.count() * 1000 && persistent) {
      persistent->stop();
      timeline.attack_stopped_ms = now_unix_ms();
      out.say("attack: the attacker gives up " + std::to_string(scenario->gives_up_after.count()) +
              " s after the victim began dropping it");
    }
  };
  std::uintmax_t journal_size_seen = 0;
  std::chrono::steady_clock::time_point asked_at;
  bool killed = false;
  while (!(run_exit = run->wait(std::chrono::milliseconds(100)))) {
    counters.sample();
    attacker_gives_up();
    // Approvals are given only from a journal whose chain holds, read again
    // only when it grew.
    std::error_code size_ec;
    if (auto size = std::filesystem::file_size(incident_dir / "journal.jsonl", size_ec); !size_ec && size != journal_size_seen) {
      journal_size_seen = size;
      if (auto journal = read_verified_journal(incident_dir / "journal.jsonl", {})) approvals.answer(*journal);
    }
    if (interrupt_requested() && !asked_to_stop) {
      out.say("interrupted: asking the run to stop at a safe point, then undoing and tearing the lab down");
      ::kill(-run->pid(), SIGINT);
      asked_to_stop = true;
      asked_at = std::chrono::steady_clock::now();
    }
    // A run that reaches no safe point in two minutes is ended as a crash
    // would end it: its journal lets `resume` take it up.
    if (asked_to_stop && !killed && std::chrono::steady_clock::now() - asked_at > std::chrono::minutes(2)) {
      out.say("the run did not stop within 2 minutes of the interrupt; ending it (the incident stays resumable)");
      run->stop(std::chrono::milliseconds(0));
      killed = true;
    }
  }
  // nsenter may end before the run it started: wait for the run's lock.
  for (int i = 0; i < 300 && IncidentLock::runner_alive(incident_dir).value_or(false); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  timeline.run_ended_ms = now_unix_ms();
  // nsenter itself ends by the interrupt; the run behind it stopped at a safe point.
  out.say(asked_to_stop ? std::string("the run stopped at a safe point (interrupted); the incident stays resumable")
                        : "the run ended with exit code " + std::to_string(*run_exit));
  counters.sample_for(std::chrono::milliseconds(1500));

  // De-escalation: undo whatever the playbook left in force; when the
  // playbook lifted its containment itself, its journal says when.
  auto journal = read_verified_journal(incident_dir / "journal.jsonl", {});
  // A pushed patch is the remedy, not a containment: it stays (its
  // rollback is `responder undo ID STEP`, by hand).
  std::vector<std::string> to_undo;
  if (!journal) {
    out.say("the journal does not verify (" + journal.error().message + "), so the drill undoes nothing by it; `responder journal " + id +
            " --verify` says where it breaks");
  } else {
    if (auto state = derive_state(id, *journal))
      for (const StepState* step : state->in_force())
        if (step->module != "release.push" && std::find(to_undo.begin(), to_undo.end(), step->id) == to_undo.end())
          to_undo.push_back(step->id);
    for (auto& r : journal->records) {
      auto at = rfc3339_to_unix_ms(r.time);
      if (!at) continue;
      std::int64_t ms = *at;
      if (r.kind == record_kind::undo_started && !timeline.undo_started_ms) timeline.undo_started_ms = ms;
      if (r.kind == record_kind::step_undone) timeline.undo_ended_ms = ms;
    }
  }
  if (release) {
    auto versions = installed_versions(*lab, scenario->patch->package);
    if (!versions) out.say("could not ask the hosts' dpkg for " + scenario->patch->package + ": " + versions.error().message);
    else timeline.patched = std::move(*versions);
  }
  if (!to_undo.empty()) {
    timeline.undo_started_ms = now_unix_ms();
    out.say("undoing the containment still in force (responder undo " + id + [&] {
      std::string names;
      for (auto& n : to_undo) names += " --step " + n;
      return names;
    }() + ")");
    auto undo_argv = in_lab;
    undo_argv.insert(undo_argv.end(), {"undo", id});
    for (auto& step : to_undo) undo_argv.insert(undo_argv.end(), {"--step", step});
    if (!all_hosts_alive(*lab)) return report_error(failure("a lab host ended before the undo; the lab is torn down"));
    auto undo = LabProcess::start(lab->in_controller(undo_argv));
    if (!undo) return report_error(undo.error());
    std::optional<int> undone;
    const auto undo_until = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (!(undone = undo->wait(std::chrono::milliseconds(100)))) {
      counters.sample();
      if (std::chrono::steady_clock::now() > undo_until) {
        out.say("the undo did not end within 5 minutes; ending it, `responder status " + id + "` says what is still in force");
        undo->stop();
        undone = -1;
        break;
      }
    }
    timeline.undo_ended_ms = now_unix_ms();
    if (*undone != 0) out.say("the undo ended with exit code " + std::to_string(*undone) + "; `responder status " + id + "` says what is still in force");
  }
  if (!timeline.attack_stopped_ms && persistent) {
    persistent->stop();
    timeline.attack_stopped_ms = now_unix_ms();
  }
  // After the undo the attacker's packets must reach the victim again.
  if (timeline.undo_ended_ms && !scenario->after_undo.argv.empty()) {
    counters.sample();
    out.say("attack: " + scenario->after_undo.what);
    auto probe = LabProcess::start(lab->in_attacker(expand(scenario->after_undo.argv)), lab->dir() / "attack.log");
    if (!probe) return report_error(probe.error());
    auto until = std::chrono::steady_clock::now() + scenario->after_undo.limit;
    while (!probe->wait(std::chrono::milliseconds(100)) && std::chrono::steady_clock::now() < until) counters.sample();
    probe->stop();
  }
  counters.sample_for(std::chrono::milliseconds(300));

  auto final_journal = read_verified_journal(incident_dir / "journal.jsonl", {});
  if (!final_journal) return report_error(final_journal.error());
  // Rotated passwords are remediation, kept by design: not a containment left in force.
  const std::set<std::string> rotated = rotated_accounts(playbook, *final_journal);
  for (auto& account : rotated) out.say("kept: " + account + "'s password was rotated (remediation; the new one is in the incident's credentials file)");
  std::vector<std::string> not_restored;
  for (std::size_t i = 0; i < lab->host_count(); ++i) {
    const std::string prefix = lab->is_fleet() ? lab->host(i).name + ": " : "";
    if (auto after = snapshot_lab(*lab, i))
      for (auto& d : differences(before[i], *after, rotated)) not_restored.push_back(prefix + d);
    else
      not_restored.push_back(prefix + "the lab could not be read after the drill: " + after.error().message);
  }

  // The score is journaled under the incident's lock.
  timeline.run_exit = *run_exit;
  timeline.interrupted = asked_to_stop;
  std::vector<WriteAttempt> writes;
  if (!scenario->write_log.empty())
    if (auto log = read_text_file(lab->dir() / scenario->write_log, 16u << 20)) writes = read_write_log(*log);
  auto score = score_drill(*scenario, playbook, *final_journal, timeline, counters.hosts(), not_restored, writes);
  {
    auto lock = IncidentLock::acquire(incident_dir);
    if (!lock) return report_error(lock.error());
    auto writer = JournalWriter::open(incident_dir, false);
    if (!writer) return report_error(writer.error());
    if (auto appended = writer->append(record_kind::drill_scored, env->actor, score.record); !appended)
      return report_error(appended.error());
  }
  std::filesystem::create_directories(incident_dir / "drill", ec);
  // Moved, not copied: the lab folder goes with the lab, on the same disk.
  std::filesystem::rename(capture_file, incident_dir / "drill" / "capture.pcap", ec);
  if (std::filesystem::exists(notifications, ec)) std::filesystem::rename(notifications, incident_dir / "drill" / "notifications.jsonl", ec);
  // The report with the score, as new files beside report.write's own
  // (reports/ keeps every version; none is overwritten).
  std::filesystem::path report_md;
  for (auto& format : {"md", "html"}) {
    auto report_argv = base;
    report_argv.insert(report_argv.end(), {"report", id, "--format", format});
    auto r = run_program(report_argv, {}, std::chrono::seconds(60));
    auto file = incident_dir / "reports" / ("drill-" + id + "." + format);
    Status written = !r ? Status(r.error())
                     : r->exit_code != 0 ? Status(failure(describe_exit(report_argv, *r)))
                                         : (std::filesystem::create_directories(incident_dir / "reports", ec), write_new_file(file, r->out, 0444));
    if (!written) out.say(std::string("could not write the ") + format + " report: " + written.error().message);
    else if (report_md.empty()) report_md = file;
  }
  for (auto& line : score.lines) out.say(line);
  if (!report_md.empty()) out.say("drill report: " + report_md.string() + " (and .html)");
  out.say("journal: " + (incident_dir / "journal.jsonl").string() + "; evidence: responder evidence verify " + id);

  if (o.keep) {
    out.say("lab kept (--keep): victim pid " + std::to_string(lab->victim_pid()) + " (nsenter -t PID -a), attacker netns " +
            lab->attacker_netns() + "; remove it with `responder drill --clean`");
  } else if (auto down = lab->teardown(); !down) {
    return report_error(down.error());
  } else {
    auto seconds = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count() / 1000.0;
    char text[64];
    std::snprintf(text, sizeof text, "%.1f s", seconds);
    out.say(std::string("lab torn down; the drill took ") + text + " from command to clean teardown");
  }
  if (asked_to_stop) return kExitInterrupted;
  if (*run_exit != 0) return kExitStepFailed;
  return score.passed ? kExitSuccess : kExitStepFailed;
}

void setup_drill(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<DrillOptions>();
  command.add_option("playbook", options->playbook, "a shipped playbook's name or a playbook file (default: targeted-intrusion)")
      ->type_name("PLAYBOOK");
  command.add_option("--scenario", options->scenario, "the attack to rehearse against (default: the playbook's first)")->type_name("NAME");
  command.add_option("--incident", options->incident, "the drill's incident id (default: DRILL-YYYYMMDD-HHMMSS)")->type_name("ID");
  command.add_option("--approvers", options->approvers,
                     "people who approve for real (`responder approve`), comma-separated; default: the drill answers")
      ->type_name("A,B");
  command.add_flag("--keep", options->keep, "leave the lab running after the drill, to look around (`drill --clean` removes it)");
  command.add_flag("--clean", options->clean, "remove every lab a drill left behind (killed, or kept with --keep), and nothing else");
  command.footer("Drills this build knows:" + scenario_list() +
                 "\n\nExamples:\n"
                 "  sudo responder drill                       (the default drill: targeted-intrusion)\n"
                 "  sudo responder drill targeted-intrusion --approvers alice,bob\n"
                 "  sudo responder drill --clean               (after a drill was killed with -9)");
  action = [options, &globals] { return drill(globals, *options); };
}

const CommandRegistration drill_registration{
    {"drill", "rehearse a playbook against real attack traffic in a throw-away lab, scored", 34, setup_drill}};

}  // namespace
}  // namespace responder::drill
