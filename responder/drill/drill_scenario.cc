#include "responder/drill/drill_scenario.h"

#include "responder/drill/drill_lab.h"

namespace responder::drill {

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = [] {
    std::vector<Scenario> out;
    {
      Scenario s;
      s.playbook = "targeted-intrusion";
      s.name = "scan-and-guess";
      s.summary = "the attacker scans the victim's ports, guesses SSH passwords, then keeps probing SSH";
      s.sshd = true;
      s.expected_kind = "targeted";
      s.accounts = {"ops"};
      s.files = {{"users.txt", "root\nadmin\nops\n"}, {"passwords.txt", "123456\npassword\nadmin\nletmein\nqwerty\nwelcome1\n"}};
      s.phases = {
          {"port scan of ports 1-1024 (nmap -sS)",
           {"nmap", "-n", "-Pn", "-sS", "-p", "1-1024", "-T4", "--max-retries", "1", kVictimAttackSide4},
           std::chrono::seconds(60)},
          {"SSH password guessing (nmap ssh-brute)",
           {"nmap", "-n", "-Pn", "-p", "22", "--script", "ssh-brute", "--script-args",
            "userdb={lab}/users.txt,passdb={lab}/passwords.txt,brute.firstonly=true,unpwdb.timelimit=40s", kVictimAttackSide4},
           std::chrono::seconds(60)},
      };
      s.persistent = {"SSH probes at 20 packets a second (hping3 -S)",
                      {"hping3", "-q", "-S", "-p", "22", "-i", "u50000", "-c", "12000", kVictimAttackSide4},
                      std::chrono::seconds(600)};
      s.after_undo = {"SSH probes after the undo (hping3 -S, 20 packets)",
                      {"hping3", "-q", "-S", "-p", "22", "-i", "u50000", "-c", "20", kVictimAttackSide4},
                      std::chrono::seconds(10)};
      s.variables = {"attacker={attacker}", "capture={capture}"};
      out.push_back(std::move(s));
    }
    {
      Scenario s;
      s.playbook = "ddos-flood";
      s.name = "spoofed-syn-flood";
      s.summary = "a SYN flood at 2000 packets a second to port 80 from forged random sources, until it is contained";
      s.capture_for = std::chrono::seconds(4);
      s.persistent = {"SYN flood to port 80 from random forged sources at 2000/s (hping3 --rand-source)",
                      {"hping3", "-q", "-S", "-p", "80", "--rand-source", "-i", "u500", "-c", "240000", kVictimAttackSide4},
                      std::chrono::seconds(120)};
      s.gives_up_after = std::chrono::seconds(3);
      s.after_undo = {"connections to port 80 after the limit is lifted (hping3 -S, 40 packets)",
                      {"hping3", "-q", "-S", "-p", "80", "-i", "u50000", "-c", "40", kVictimAttackSide4},
                      std::chrono::seconds(10)};
      s.containment = ContainmentKind::limit;
      s.expected_kind = "distributed";
      // The watch ends early once the flood stayed away 5 s; a live incident
      // keeps the playbook's 2 minutes.
      s.variables = {"capture={capture}", "interface=eth0", "watch_for=60s", "quiet_for=5s"};
      out.push_back(std::move(s));
    }
    return out;
  }();
  return all;
}

const Scenario* find_scenario(const std::string& playbook, const std::string& name) {
  for (auto& s : scenarios())
    if (s.playbook == playbook && (name.empty() || s.name == name)) return &s;
  return nullptr;
}

}  // namespace responder::drill
