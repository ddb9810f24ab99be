// Sockets with their owning processes, routes and the ARP cache, from /proc.
#include <arpa/inet.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "forensics/evidence/evidence_artifacts.h"

namespace responder::evidence {
namespace {

// /proc/net addresses are the kernel's in-memory words printed in hex:
// IPv4 one little-endian 32-bit word, IPv6 four of them.
std::string decode_address(const std::string& hex) {
  auto colon = hex.find(':');
  std::string addr = hex.substr(0, colon);
  unsigned port = colon == std::string::npos ? 0 : static_cast<unsigned>(std::stoul(hex.substr(colon + 1), nullptr, 16));
  unsigned char bytes[16] = {};
  std::size_t words = addr.size() / 8;
  for (std::size_t w = 0; w < words && w < 4; ++w) {
    std::uint32_t word = static_cast<std::uint32_t>(std::stoul(addr.substr(w * 8, 8), nullptr, 16));
    for (int b = 0; b < 4; ++b) bytes[w * 4 + static_cast<std::size_t>(b)] = static_cast<unsigned char>(word >> (8 * b));
  }
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(words == 1 ? AF_INET : AF_INET6, bytes, text, sizeof text);
  return words == 1 ? std::string(text) + ":" + std::to_string(port) : "[" + std::string(text) + "]:" + std::to_string(port);
}

const char* tcp_state(int s) {
  static const char* names[] = {"",          "ESTABLISHED", "SYN_SENT", "SYN_RECV",   "FIN_WAIT1", "FIN_WAIT2",
                                "TIME_WAIT", "CLOSE",       "CLOSE_WAIT", "LAST_ACK", "LISTEN",    "CLOSING"};
  return s > 0 && s < 12 ? names[s] : "UNKNOWN";
}

// socket inode -> owning pids, from the fd links of every process.
std::map<std::string, json::array> socket_owners() {
  std::map<std::string, json::array> owners;
  for (int pid : live_pids()) {
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      std::error_code lec;
      auto target = std::filesystem::read_symlink(it->path(), lec).string();
      if (target.rfind("socket:[", 0) == 0) owners[target.substr(8, target.size() - 9)].emplace_back(pid);
    }
  }
  return owners;
}

}  // namespace

void read_sockets(const ArtifactRequest&, const ArtifactEmit& emit) {
  auto owners = socket_owners();
  for (const char* proto : {"tcp", "tcp6", "udp", "udp6"}) {
    auto lines = file_lines(std::string("/proc/net/") + proto);
    for (std::size_t i = 1; i < lines.size(); ++i) {
      std::istringstream in(lines[i]);
      std::string slot, local, remote, state, queues, timer, retr, uid, timeout, inode;
      in >> slot >> local >> remote >> state >> queues >> timer >> retr >> uid >> timeout >> inode;
      json::object s;
      s["proto"] = proto;
      s["local"] = decode_address(local);
      s["remote"] = decode_address(remote);
      int st = static_cast<int>(std::stoul(state, nullptr, 16));
      s["state"] = proto[0] == 't' ? tcp_state(st) : (st == 7 ? "UNCONN" : st == 1 ? "ESTABLISHED" : std::to_string(st));
      s["uid"] = std::stoll(uid);
      s["inode"] = inode;
      s["pids"] = owners.count(inode) ? owners[inode] : json::array{};
      emit(std::move(s));
    }
  }
  auto lines = file_lines("/proc/net/unix");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::istringstream in(lines[i]);
    std::string num, refcount, protocol, flags, type, state, inode, path;
    in >> num >> refcount >> protocol >> flags >> type >> state >> inode;
    std::getline(in, path);
    json::object s;
    s["proto"] = "unix";
    s["type"] = type == "0001" ? "stream" : type == "0002" ? "dgram" : type == "0005" ? "seqpacket" : type;
    s["state"] = state;
    s["inode"] = inode;
    auto start = path.find_first_not_of(' ');
    s["path"] = start == std::string::npos ? "" : path.substr(start);
    s["pids"] = owners.count(inode) ? owners[inode] : json::array{};
    emit(std::move(s));
  }
}

void read_routes(const ArtifactRequest&, const ArtifactEmit& emit) {
  auto v4 = file_lines("/proc/net/route");
  for (std::size_t i = 1; i < v4.size(); ++i) {
    std::istringstream in(v4[i]);
    std::string iface, dest, gateway, flags, refcnt, use, metric, mask;
    in >> iface >> dest >> gateway >> flags >> refcnt >> use >> metric >> mask;
    auto ip = [](const std::string& hex) {
      std::string a = decode_address(hex + ":0");
      return a.substr(0, a.rfind(':'));
    };
    json::object r;
    r["family"] = "ipv4";
    r["interface"] = iface;
    r["destination"] = ip(dest);
    r["mask"] = ip(mask);
    r["gateway"] = ip(gateway);
    r["flags"] = flags;
    r["metric"] = std::stoll(metric);
    emit(std::move(r));
  }
  for (auto& line : file_lines("/proc/net/ipv6_route")) {
    std::istringstream in(line);
    std::string dest, dlen, src, slen, next, metric, refcnt, use, flags, iface;
    in >> dest >> dlen >> src >> slen >> next >> metric >> refcnt >> use >> flags >> iface;
    auto ip6 = [](const std::string& hex) {
      unsigned char b[16];
      for (int k = 0; k < 16; ++k) b[k] = static_cast<unsigned char>(std::stoul(hex.substr(static_cast<std::size_t>(k) * 2, 2), nullptr, 16));
      char text[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, b, text, sizeof text);
      return std::string(text);
    };
    if (dest.size() != 32 || next.size() != 32) continue;
    json::object r;
    r["family"] = "ipv6";
    r["interface"] = iface;
    r["destination"] = ip6(dest) + "/" + std::to_string(std::stoul(dlen, nullptr, 16));
    r["gateway"] = ip6(next);
    r["metric"] = static_cast<std::int64_t>(std::stoul(metric, nullptr, 16));
    r["flags"] = flags;
    emit(std::move(r));
  }
}

void read_arp(const ArtifactRequest&, const ArtifactEmit& emit) {
  auto lines = file_lines("/proc/net/arp");
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::istringstream in(lines[i]);
    std::string ip, hw, flags, mac, mask, device;
    in >> ip >> hw >> flags >> mac >> mask >> device;
    json::object a;
    a["ip"] = ip;
    a["mac"] = mac;
    a["flags"] = flags;
    a["complete"] = (std::stoul(flags, nullptr, 16) & 0x2) != 0;
    a["device"] = device;
    emit(std::move(a));
  }
}

}  // namespace responder::evidence
