// What a drill rehearses: for each shipped playbook, the attack the lab
// suffers (real traffic from the attacker host, made by the tools attackers
// use), what the lab needs for it, and the variables a responder would give
// the playbook (the source named by the alert, the capture of the attack).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace responder::drill {

struct AttackPhase {
  std::string what;                 // for the responder: "port scan (nmap)"
  std::vector<std::string> argv;    // run in the attacker host; {lab} is the lab folder
  std::chrono::seconds limit{60};   // ended after this long
};

// What containment the playbook is expected to put in place: a block lets
// no attack packet through; a limit lets some through and drops the rest;
// none for a playbook that only patches (its traffic is not scored).
enum class ContainmentKind { block, limit, none };

// An emergency patch the drill makes and signs itself: a Debian package
// whose `installed` version every host has in its private dpkg database
// before the drill, and whose `fixed` version, signed with a key made for
// the drill, the playbook pushes (as {patch}). Its files go only to /opt,
// the host's own.
struct PatchDrill {
  std::string package, installed, fixed;
};

struct Scenario {
  std::string playbook;  // the playbook's `name:`
  std::string name;
  std::string summary;
  bool sshd = false;
  std::vector<std::string> accounts;
  // Files the attack reads (word lists, the attacker's client
  // configuration), written into the lab folder; {lab} is that folder.
  std::vector<std::pair<std::string, std::string>> files;
  // The victim's own systemd, seeing only these units (LabOptions::units),
  // what is set up on the victim before the attack, and the units started then.
  std::vector<std::pair<std::string, std::string>> units;
  std::string setup;
  std::vector<std::string> start;
  // Programs the lab needs beyond the attack's own (its file server's).
  std::vector<std::string> needs;
  // Run one after the other while the victim captures; the capture ends with them.
  std::vector<AttackPhase> phases;
  // Keeps going from the start, so that containment shows in the counters;
  // ended by the drill: `gives_up_after` once the victim's counters show it
  // contained (the attacker gives up, so a watch can see it stay away), or
  // at the end when that is 0.
  AttackPhase persistent;
  std::chrono::seconds gives_up_after{0};
  // With no phases: how long the victim captures the persistent attack
  // before the playbook is given the capture.
  std::chrono::seconds capture_for{0};
  // Sent once containment is undone: it must reach the victim again.
  AttackPhase after_undo;
  ContainmentKind containment = ContainmentKind::block;
  // What the analysis must call the attack (traffic.analyze's `kind`).
  // Empty: the attack is detected when logs.analyze names the attacker
  // among its sources (the playbook reads the victim's logs, not a capture).
  std::string expected_kind;
  // The playbook is handed the attacker's address rather than finding it
  // (fleet-block, worm-outbreak): the drill raises the alert itself from the
  // first host's capture (`responder analyze`), and hands the source it
  // names as {source}; the time of that analysis is the time to detect.
  bool alert_from_capture = false;
  // The hosts of a fleet (LabOptions::fleet), reached by the playbook's
  // `targets:` through a generated inventory of namespace hosts, from a
  // controller in the management host. Empty: the one victim, where the
  // controller runs itself.
  std::vector<std::string> fleet;
  // The patch a release playbook pushes; after the run every host must have its fixed version.
  std::optional<PatchDrill> patch;
  // Started on a vendor's advisory, not an attack seen: nothing to detect.
  bool advisory = false;
  // A file in the lab folder where the attacker logs each write it tried
  // on the victim's share: "UNIX_MS written|refused N" a line, UNIX_MS when
  // the attempt began. Empty: none.
  std::string write_log;
  // name=value; {capture} is the lab's capture file, {attacker} the attacker's address.
  std::vector<std::string> variables;
};

// Every scenario, the default one of each playbook first.
const std::vector<Scenario>& scenarios();
// The scenario `name` (empty: the playbook's default) of playbook `playbook`;
// nullptr when there is none.
const Scenario* find_scenario(const std::string& playbook, const std::string& name);
// The playbook a drill with no argument rehearses.
inline constexpr const char* kDefaultDrillPlaybook = "targeted-intrusion";

}  // namespace responder::drill
