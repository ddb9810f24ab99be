#include "responder/drill/drill_scenario.h"

#include "responder/drill/drill_lab.h"

namespace responder::drill {

namespace {

// smbd's and nmbd's state, lock and password files, all in the host's /run;
// its configuration in the host's private /etc.
std::string samba_setup(const std::string& shares) {
  // nmbd keeps its socket under /run/samba whatever the configuration says.
  return "for d in lock state cache pid private ncalrpc; do mkdir -p /run/lab/samba/$d; done\n"
         "mkdir -p /run/samba\n"
         "chmod 0700 /run/lab/samba/private\n"
         "mkdir -p /var/log/samba /etc/samba\n"
         "cat > /etc/samba/smb.conf <<'EOF'\n"
         "# the drill lab's file server (the host's private /etc)\n"
         "[global]\n"
         "\tserver role = standalone server\n"
         "\tmap to guest = never\n"
         "\tpassdb backend = tdbsam\n"
         "\tlock directory = /run/lab/samba/lock\n"
         "\tstate directory = /run/lab/samba/state\n"
         "\tcache directory = /run/lab/samba/cache\n"
         "\tpid directory = /run/lab/samba/pid\n"
         "\tprivate dir = /run/lab/samba/private\n"
         "\tncalrpc dir = /run/lab/samba/ncalrpc\n"
         "\tlog file = /var/log/samba/log.%m\n" +
         shares + "EOF\n";
}

const std::string kUnitDefaults = "DefaultDependencies=no\nStartLimitIntervalSec=0\n";

std::pair<std::string, std::string> smbd_unit() {
  return {"smbd.service", "[Unit]\nDescription=Samba SMB daemon (the drill lab's)\n" + kUnitDefaults +
                              "[Service]\nType=simple\nExecStart=/usr/sbin/smbd --foreground --no-process-group\n"
                              "ExecReload=/bin/kill -HUP $MAINPID\nLimitNOFILE=16384\n"};
}

std::vector<std::string> fleet_names() { return {"web1", "web2", "web3"}; }

// `each` with {host} replaced by every fleet host's address, joined by " & ", then "wait".
std::string on_every_host(const std::string& each) {
  std::string out;
  for (std::size_t i = 0; i < fleet_names().size(); ++i) {
    std::string line = each;
    line.replace(line.find("{host}"), 6, fleet_attack_address(i));
    out += line + " & ";
  }
  return out + "wait";
}

// Every fleet host's address, space-separated (nmap's targets).
std::string every_host() {
  std::string out;
  for (std::size_t i = 0; i < fleet_names().size(); ++i) out += (out.empty() ? "" : " ") + fleet_attack_address(i);
  return out;
}

}  // namespace

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
      // ops has a password (none the attacker tries): an account made
      // without one is locked already, and locking it would show nothing.
      // Set as a hash (chpasswd -e), so that no PAM password policy copied
      // from this machine's /etc can refuse it.
      s.setup = "echo 'ops:$6$drilllabops$DMay69nHiAtPo8w4MSLsBDAr7K.Vzt2Ds5aALZo4/FLbrQSJpNVPqDBVk.qbfP0M0OEGSZF8aUyBdRNMAnJrR0' | chpasswd -e\n";
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
      // The account the attacker went for, and root, as the responder
      // would name them from the log analysis.
      s.variables = {"attacker={attacker}", "capture={capture}", "accounts=ops", "admins=root"};
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
      // The total limit at 100 new connections a second, not the
      // playbook's 500: a flood hping3 sends slower on a loaded machine
      // must still be a flood to the limit.
      s.variables = {"capture={capture}", "interface=eth0", "watch_for=60s", "quiet_for=5s", "total_rate=100/second"};
      out.push_back(std::move(s));
    }
    {
      // A file server: a real smbd serves /srv/finance as [finance]; the
      // account jdoe has a guessable password. The attacker guesses it over
      // SSH, then encrypts through the share: new files of random bytes,
      // written over SMB with smbclient, every 200 ms until the drill ends.
      Scenario s;
      s.playbook = "ransomware-outbreak";
      s.name = "guess-and-encrypt";
      s.summary = "the attacker guesses an account's SSH password, then writes encrypted files to the file server's share over SMB";
      s.sshd = true;
      s.accounts = {"jdoe"};
      s.files = {{"users.txt", "root\nadmin\njdoe\n"},
                 {"passwords.txt", "123456\npassword\nadmin\nletmein\nqwerty\nwelcome1\nSummer2026!\n"},
                 // The attacker's smbclient keeps its caches in the lab folder, not in this machine's /var.
                 {"attacker-smb.conf", "[global]\n\tclient min protocol = SMB2\n\tlock directory = {lab}/attacker-samba\n"
                                       "\tstate directory = {lab}/attacker-samba\n\tcache directory = {lab}/attacker-samba\n"
                                       "\tprivate dir = {lab}/attacker-samba\n\tncalrpc dir = {lab}/attacker-samba\n"}};
      s.units = {
          smbd_unit(),
          // What the attacker left to run again: a timer that starts a job
          // every 30 s (the job itself changes nothing in the lab).
          {"finance-sync.timer", "[Unit]\nDescription=finance sync (planted by the attacker)\n" + kUnitDefaults +
                                     "[Timer]\nOnActiveSec=30s\nOnUnitActiveSec=30s\nAccuracySec=1s\n"},
          {"finance-sync.service", "[Unit]\nDescription=finance sync job\n" + kUnitDefaults + "[Service]\nType=oneshot\nExecStart=/bin/true\n"},
      };
      s.setup =
          "set -e\n"
          // The data volume: a file system of its own under /srv, both the lab's.
          "[ -d /srv ] || { echo 'this machine has no /srv to mount the lab volume on' >&2; exit 1; }\n"
          "mount -t tmpfs -o mode=0755,size=16m responder-lab /srv\n"
          "mkdir /srv/finance\n"
          "mount -t tmpfs -o mode=0777,size=256m,nosuid,nodev,noexec responder-lab /srv/finance\n"
          "for n in 1 2 3 4 5 6 7 8; do head -c 8192 /dev/urandom > /srv/finance/ledger-$n.xlsx; done\n"
          "chmod 0666 /srv/finance/*\n" +
          samba_setup("\tsmb ports = 445\n\tdisable netbios = yes\n"
                      "\n[finance]\n\tpath = /srv/finance\n\tread only = no\n\tvalid users = jdoe\n") +
          // Summer2026!, as a hash: no PAM policy of this machine's can refuse it.
          "echo 'jdoe:$6$drilllabjdoe$nTmcYLAGOEV8BdtF0zjcOguVEjoBmHUTzQ8YQGzeEk4wFdTKocaLkLrxKhrS10l1C2fYb.o1J8sL4GC7hL.CW0' | chpasswd -e\n"
          "printf 'Summer2026!\\nSummer2026!\\n' | smbpasswd -c /etc/samba/smb.conf -s -a jdoe >/dev/null\n";
      s.start = {"smbd.service", "finance-sync.timer"};
      s.needs = {"smbd", "smbpasswd", "smbclient", "systemctl", "timeout"};
      s.phases = {
          {"SSH password guessing against the file server (nmap ssh-brute)",
           {"nmap", "-n", "-Pn", "-p", "22", "--script", "ssh-brute", "--script-args",
            "userdb={lab}/users.txt,passdb={lab}/passwords.txt,brute.firstonly=true,unpwdb.timelimit=40s", kVictimAttackSide4},
           std::chrono::seconds(60)},
      };
      // Every write is a new connection, as an encryptor that reconnects
      // does; the write log is the attacker's own record of what the share took.
      s.persistent = {"encrypting the share: a new file of random bytes written over SMB every 200 ms (smbclient, as jdoe)",
                      {"sh", "-c",
                       "mkdir -p \"$0/attacker-samba\"; i=0; while [ $i -lt 3000 ]; do i=$((i+1)); "
                       "head -c 32768 /dev/urandom > \"$0/encrypted.bin\"; at=$(date +%s%3N); "
                       "if timeout 3 smbclient --configfile=\"$0/attacker-smb.conf\" -U 'jdoe%Summer2026!' "
                       "//" + std::string(kVictimAttackSide4) + "/finance -c \"put $0/encrypted.bin ledger-$i.xlsx.locked\" >/dev/null 2>&1; "
                       "then r=written; else r=refused; fi; echo \"$at $r $i\" >> \"$0/writes.log\"; sleep 0.2; done",
                       "{lab}"},
                      std::chrono::seconds(900)};
      s.after_undo = {"SMB connections after the undo (hping3 -S to port 445, 20 packets)",
                      {"hping3", "-q", "-S", "-p", "445", "-i", "u50000", "-c", "20", kVictimAttackSide4},
                      std::chrono::seconds(10)};
      s.write_log = "writes.log";
      s.variables = {"share=finance", "volume=/srv/finance", "account=jdoe", "sources={attacker}", "services=finance-sync.timer"};
      out.push_back(std::move(s));
    }
    {
      // A fleet of three: the attacker scans them all, then keeps probing
      // their SSH ports. The scan is seen on web1, whose capture raises the
      // alert; the playbook blocks the source it names on every host.
      Scenario s;
      s.playbook = "fleet-block";
      s.name = "scan-the-fleet";
      s.summary = "the attacker scans a fleet of three hosts, then keeps probing their SSH ports; the source seen on web1 is blocked on all";
      s.fleet = fleet_names();
      s.alert_from_capture = true;
      s.expected_kind = "targeted";
      s.phases = {{"port scan of ports 1-1024 on every host (nmap -sS)",
                   {"sh", "-c", "exec nmap -n -Pn -sS -p 1-1024 -T4 --max-retries 1 " + every_host()},
                   std::chrono::seconds(60)}};
      s.persistent = {"SSH probes at 20 packets a second to every host (hping3 -S)",
                      {"sh", "-c", on_every_host("hping3 -q -S -p 22 -i u50000 -c 12000 {host}")}, std::chrono::seconds(600)};
      s.after_undo = {"SSH probes to every host after the undo (hping3 -S, 20 packets each)",
                      {"sh", "-c", on_every_host("hping3 -q -S -p 22 -i u50000 -c 20 {host}")}, std::chrono::seconds(10)};
      s.variables = {"attacker={source}"};
      out.push_back(std::move(s));
    }
    {
      // A worm spreading over SMB: an infected machine probes the fleet's
      // SMB ports, then keeps connecting to port 445 on every host. Every
      // host runs a real smbd and nmbd, and has the vulnerable 1.0.0 of the
      // drill's package; the fix is 1.0.1.
      Scenario s;
      s.playbook = "worm-outbreak";
      s.name = "smb-worm";
      s.summary = "an infected machine probes the fleet's SMB ports and keeps connecting to port 445 on every host; the fix is pushed canary first";
      s.fleet = fleet_names();
      s.alert_from_capture = true;
      s.units = {smbd_unit(),
                 {"nmbd.service", "[Unit]\nDescription=Samba NetBIOS name server (the drill lab's)\n" + kUnitDefaults +
                                      "[Service]\nType=simple\nExecStart=/usr/sbin/nmbd --foreground --no-process-group\n"}};
      s.setup = "set -e\n" + samba_setup("\n[public]\n\tpath = /opt\n\tread only = yes\n\tguest ok = yes\n");
      s.start = {"smbd.service", "nmbd.service"};
      s.needs = {"smbd", "nmbd", "systemctl", "dpkg", "dpkg-deb", "openssl"};
      s.phases = {{"SMB probes of every host (nmap -p 139,445 --script smb-protocols)",
                   {"sh", "-c", "exec nmap -n -Pn -sS -p 139,445 --script smb-protocols " + every_host()},
                   std::chrono::seconds(60)}};
      s.persistent = {"connections to port 445 at 20 a second on every host (hping3 -S)",
                      {"sh", "-c", on_every_host("hping3 -q -S -p 445 -i u50000 -c 12000 {host}")}, std::chrono::seconds(600)};
      s.after_undo = {"connections to port 445 on every host after the undo (hping3 -S, 20 each)",
                      {"sh", "-c", on_every_host("hping3 -q -S -p 445 -i u50000 -c 20 {host}")}, std::chrono::seconds(10)};
      s.patch = PatchDrill{"lab-smbfix", "1.0.0", "1.0.1"};
      s.variables = {"patch={patch}"};
      out.push_back(std::move(s));
    }
    {
      // No attack: a vendor's advisory. Every host has 1.0.0 of the drill's
      // package; the signed 1.0.1 goes out canary first, then in waves.
      Scenario s;
      s.playbook = "emergency-patch";
      s.name = "advisory";
      s.summary = "a vendor's advisory: the signed fix goes to a fleet of three, canary first, then in waves";
      s.fleet = fleet_names();
      s.advisory = true;
      s.containment = ContainmentKind::none;
      s.needs = {"dpkg", "dpkg-deb", "openssl"};
      s.patch = PatchDrill{"lab-smbfix", "1.0.0", "1.0.1"};
      s.variables = {"patch={patch}"};
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
