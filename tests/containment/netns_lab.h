// A network lab for firewall tests: three network namespaces made by the
// test (attacker, victim, management), each joined to the victim by a veth
// pair, addressed only from the documentation ranges. Everything it makes is
// removed by its destructor, also when a test fails half-way.
//
//   attacker 192.0.2.2   2001:db8:a::2  <-veth->  victim 192.0.2.1    2001:db8:a::1
//   management 198.51.100.2 2001:db8:b::2 <-veth-> victim 198.51.100.1 2001:db8:b::1
//
// Traffic only ever goes between these namespaces; no route leads out.
#pragma once

#include <fcntl.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "responder/json.h"

namespace responder::lab {

struct CommandResult {
  int status = -1;  // exit status, or -1 when it could not run
  std::string out;  // stdout and stderr
};

// Runs argv (no shell), waits, returns its exit status and output.
inline CommandResult run(const std::vector<std::string>& argv) {
  // Built before fork: the child of a process with threads (a listener)
  // must not allocate, or it can wait forever on a lock another thread held.
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2];
  if (pipe(fds) != 0) return {};
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(fds[1]);
  CommandResult r;
  char buf[65536];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) r.out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// Runs argv for a lab's set-up; a failure throws, naming `what` (the lab),
// the command and its output.
inline std::string run_for_setup(const std::vector<std::string>& argv, const std::string& what) {
  auto r = run(argv);
  if (r.status != 0) {
    std::string line;
    for (auto& a : argv) line += a + " ";
    throw std::runtime_error(what + " setup failed: " + line + ": " + r.out);
  }
  return r.out;
}

// Inside this scope the calling thread is in network namespace `name`;
// afterwards it is back where it was.
class ScopedNetns {
 public:
  explicit ScopedNetns(const std::string& name) {
    original_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (original_ < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
      if (target >= 0) close(target);
      throw std::runtime_error("cannot enter network namespace " + name + ": " + std::strerror(errno));
    }
    close(target);
  }
  ~ScopedNetns() {
    if (setns(original_, CLONE_NEWNET) != 0) std::abort();  // never continue in the wrong namespace
    close(original_);
  }
  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

 private:
  int original_ = -1;
};

inline bool set_address(sockaddr_storage& ss, socklen_t& len, const std::string& address, int port) {
  std::memset(&ss, 0, sizeof ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v4;
    return true;
  }
  if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof *v6;
    return true;
  }
  return false;
}

// True when a TCP connection from namespace `from` to address:port completes
// within `timeout`; from `source_port` when not 0.
inline bool tcp_connects(const std::string& from, const std::string& address, int port,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(700), int source_port = 0) {
  ScopedNetns in(from);
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!set_address(ss, len, address, port)) return false;
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  if (source_port) {
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage local{};
    local.ss_family = ss.ss_family;
    if (ss.ss_family == AF_INET) reinterpret_cast<sockaddr_in*>(&local)->sin_port = htons(static_cast<uint16_t>(source_port));
    else reinterpret_cast<sockaddr_in6*>(&local)->sin6_port = htons(static_cast<uint16_t>(source_port));
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), len) != 0) {
      close(fd);
      return false;
    }
  }
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) == 1) {
      int err = 0;
      socklen_t l = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l);
      ok = err == 0;
    }
  }
  close(fd);
  return ok;
}

inline std::uint16_t icmp_checksum(const void* data, size_t len) {
  auto* p = static_cast<const std::uint8_t*>(data);
  std::uint32_t sum = 0;
  for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]);
  if (len & 1) sum += static_cast<std::uint32_t>(p[len - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return htons(static_cast<std::uint16_t>(~sum));
}

// True when `address` answers one ICMP (v4 or v6) echo request sent from
// namespace `from` within `timeout`. One packet: bounded by construction.
inline bool pings(const std::string& from, const std::string& address,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(700)) {
  ScopedNetns in(from);
  sockaddr_storage ss;
  socklen_t len = 0;
  if (!set_address(ss, len, address, 0)) return false;
  bool v6 = ss.ss_family == AF_INET6;
  int fd = socket(ss.ss_family, SOCK_RAW | SOCK_CLOEXEC, v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
  if (fd < 0) return false;
  static std::atomic<std::uint16_t> sequence{1};
  std::uint16_t id = static_cast<std::uint16_t>(getpid()), seq = sequence++;
  std::uint8_t packet[16] = {};
  packet[0] = static_cast<std::uint8_t>(v6 ? int{ICMP6_ECHO_REQUEST} : int{ICMP_ECHO});
  packet[4] = static_cast<std::uint8_t>(id >> 8);
  packet[5] = static_cast<std::uint8_t>(id);
  packet[6] = static_cast<std::uint8_t>(seq >> 8);
  packet[7] = static_cast<std::uint8_t>(seq);
  if (!v6) {
    std::uint16_t c = icmp_checksum(packet, sizeof packet);
    std::memcpy(packet + 2, &c, 2);
  }  // the kernel fills in the ICMPv6 checksum
  bool ok = false;
  if (sendto(fd, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&ss), len) == static_cast<ssize_t>(sizeof packet)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (!ok) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count();
      if (left <= 0) break;
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) != 1) break;
      std::uint8_t reply[1500];
      ssize_t n = recv(fd, reply, sizeof reply, 0);
      if (n <= 0) break;
      std::uint8_t* icmp = reply;
      if (!v6) icmp = reply + (reply[0] & 0x0f) * 4;  // raw IPv4 sockets include the IP header
      if (icmp + 8 > reply + n) continue;
      bool is_reply = icmp[0] == (v6 ? int{ICMP6_ECHO_REPLY} : int{ICMP_ECHOREPLY});
      ok = is_reply && icmp[4] == packet[4] && icmp[5] == packet[5] && icmp[6] == packet[6] && icmp[7] == packet[7];
    }
  }
  close(fd);
  return ok;
}

// A TCP listener on [::]:port (IPv4 and IPv6) in a namespace, accepting and
// closing connections until destroyed.
class TcpListener {
 public:
  TcpListener(const std::string& ns, int port) {
    {
      ScopedNetns in(ns);
      fd_ = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    }
    if (fd_ < 0) throw std::runtime_error("listener socket");
    int zero = 0, one = 1;
    setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    a.sin6_addr = in6addr_any;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 128) != 0)
      throw std::runtime_error("listener bind/listen: " + std::string(std::strerror(errno)));
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, 50) == 1) {
          int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
          if (c >= 0) close(c);
        }
      }
    });
  }
  ~TcpListener() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  TcpListener(const TcpListener&) = delete;
  TcpListener& operator=(const TcpListener&) = delete;

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Why the lab cannot be built here (not root, no netns support), or "".
inline std::string lab_unavailable() {
  if (geteuid() != 0) return "network namespace tests need root (CI runs as root)";
  auto r = run({"ip", "netns", "add", "rsp" + std::to_string(getpid()) + "probe"});
  if (r.status != 0) return "cannot create a network namespace: " + r.out;
  run({"ip", "netns", "del", "rsp" + std::to_string(getpid()) + "probe"});
  if (access("/usr/sbin/nft", X_OK) != 0 && run({"nft", "--version"}).status != 0) return "the nft command is missing";
  return "";
}

class NetnsLab {
 public:
  static constexpr const char* kVictimToAttacker4 = "192.0.2.1";
  static constexpr const char* kAttacker4 = "192.0.2.2";
  static constexpr const char* kVictimToAttacker6 = "2001:db8:a::1";
  static constexpr const char* kAttacker6 = "2001:db8:a::2";
  static constexpr const char* kVictimToManagement4 = "198.51.100.1";
  static constexpr const char* kManagement4 = "198.51.100.2";
  static constexpr const char* kVictimToManagement6 = "2001:db8:b::1";
  static constexpr const char* kManagement6 = "2001:db8:b::2";

  NetnsLab() {
    static int counter = 0;
    std::string base = "rsp" + std::to_string(getpid()) + "n" + std::to_string(counter++);
    attacker = base + "a";
    victim = base + "v";
    management = base + "m";
    try {
      for (auto* ns : {&attacker, &victim, &management}) {
        must({"ip", "netns", "add", *ns});
        made_.push_back(*ns);
        must({"ip", "-n", *ns, "link", "set", "lo", "up"});
      }
      link(attacker, kAttacker4, kAttacker6, kVictimToAttacker4, kVictimToAttacker6, "to_att");
      link(management, kManagement4, kManagement6, kVictimToManagement4, kVictimToManagement6, "to_mgmt");
    } catch (...) {
      remove();
      throw;
    }
  }
  ~NetnsLab() { remove(); }
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  // `nft -j list ruleset` in the victim namespace.
  std::string ruleset() const { return must({"ip", "netns", "exec", victim, "nft", "-j", "list", "ruleset"}); }
  // The same without anything of table inet responder: what must stay
  // byte-identical whatever responder does.
  std::string foreign_ruleset() const {
    auto doc = parse_json(ruleset());
    json::array kept;
    for (auto& item : doc.at("nftables").as_array()) {
      bool ours = false;
      for (auto& [kind, body] : item.as_object()) {
        if (kind == "metainfo" || !body.is_object()) continue;
        auto& o = body.as_object();
        auto* family = o.if_contains("family");
        auto* table = o.if_contains(kind == "table" ? "name" : "table");
        ours = family && table && family->as_string() == "inet" && table->as_string() == "responder";
      }
      if (!ours) kept.push_back(item);
    }
    return to_json_text(kept);
  }
  // Runs argv inside the victim namespace.
  CommandResult in_victim(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"ip", "netns", "exec", victim});
    return run(argv);
  }

  std::string attacker, victim, management;

 private:
  static std::string must(const std::vector<std::string>& argv) { return run_for_setup(argv, "lab"); }
  void link(const std::string& peer, const char* peer4, const char* peer6, const char* victim4, const char* victim6,
            const std::string& victim_side) {
    must({"ip", "-n", victim, "link", "add", victim_side, "type", "veth", "peer", "name", "to_vic", "netns", peer});
    must({"ip", "-n", victim, "addr", "add", std::string(victim4) + "/24", "dev", victim_side});
    must({"ip", "-n", victim, "addr", "add", std::string(victim6) + "/64", "dev", victim_side, "nodad"});
    must({"ip", "-n", victim, "link", "set", victim_side, "up"});
    must({"ip", "-n", peer, "addr", "add", std::string(peer4) + "/24", "dev", "to_vic"});
    must({"ip", "-n", peer, "addr", "add", std::string(peer6) + "/64", "dev", "to_vic", "nodad"});
    must({"ip", "-n", peer, "link", "set", "to_vic", "up"});
  }
  void remove() {
    for (auto& ns : made_) run({"ip", "netns", "del", ns});
    made_.clear();
  }
  std::vector<std::string> made_;
};

}  // namespace responder::lab
