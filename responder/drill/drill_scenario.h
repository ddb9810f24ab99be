// What a drill rehearses: for each shipped playbook, the attack the lab
// suffers (real traffic from the attacker host, made by the tools attackers
// use), what the lab needs for it, and the variables a responder would give
// the playbook (the source named by the alert, the capture of the attack).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace responder::drill {

struct AttackPhase {
  std::string what;                 // for the responder: "port scan (nmap)"
  std::vector<std::string> argv;    // run in the attacker host; {lab} is the lab folder
  std::chrono::seconds limit{60};   // ended after this long
};

// What containment the playbook is expected to put in place: a block lets
// no attack packet through; a limit lets some through and drops the rest.
enum class ContainmentKind { block, limit };

struct Scenario {
  std::string playbook;  // the playbook's `name:`
  std::string name;
  std::string summary;
  bool sshd = false;
  std::vector<std::string> accounts;
  // Files the attack reads (word lists), written into the lab folder.
  std::vector<std::pair<std::string, std::string>> files;
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
  std::string expected_kind;
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
