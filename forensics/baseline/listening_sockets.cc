#include "forensics/baseline/listening_sockets.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace responder::baseline {
namespace {

bool hex_to_u32(std::string_view hex, std::uint32_t& out) {
  if (hex.empty() || hex.size() > 8) return false;
  out = 0;
  for (char c : hex) {
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) return false;
    out = out * 16 + static_cast<std::uint32_t>(v);
  }
  return true;
}

// "0100007F:1F90" (IPv4, the address in host byte order as printed by the
// kernel) or 32 hex digits for IPv6 (four such words).
bool parse_endpoint(std::string_view text, bool v6, std::string& address, unsigned& port) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  std::uint32_t p = 0;
  if (!hex_to_u32(text.substr(colon + 1), p) || p > 65535) return false;
  port = p;
  auto hex = text.substr(0, colon);
  char buffer[INET6_ADDRSTRLEN] = {};
  if (!v6) {
    std::uint32_t a = 0;
    if (hex.size() != 8 || !hex_to_u32(hex, a)) return false;
    in_addr in{};
    in.s_addr = a;  // the kernel printed the word in host order: the bytes are the address as stored
    if (!inet_ntop(AF_INET, &in, buffer, sizeof buffer)) return false;
    address = buffer;
  } else {
    if (hex.size() != 32) return false;
    in6_addr in{};
    for (int i = 0; i < 4; ++i) {
      std::uint32_t word = 0;
      if (!hex_to_u32(hex.substr(static_cast<std::size_t>(i) * 8, 8), word)) return false;
      std::memcpy(in.s6_addr + i * 4, &word, 4);
    }
    if (!inet_ntop(AF_INET6, &in, buffer, sizeof buffer)) return false;
    address = std::string("[") + buffer + "]";
  }
  return true;
}

}  // namespace

std::vector<InventoryRecord> parse_socket_table(std::string_view protocol, std::string_view text) {
  std::vector<InventoryRecord> out;
  bool v6 = protocol.back() == '6';
  bool tcp = protocol.substr(0, 3) == "tcp";
  std::istringstream in{std::string(text)};
  std::string line;
  std::getline(in, line);  // column titles
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues, timer, retransmits, uid, timeout, inode;
    if (!(fields >> slot >> local >> remote >> state)) continue;
    fields >> queues >> timer >> retransmits >> uid >> timeout >> inode;
    std::string address, remote_address;
    unsigned port = 0, remote_port = 0;
    if (!parse_endpoint(local, v6, address, port) || !parse_endpoint(remote, v6, remote_address, remote_port)) continue;
    bool listening = tcp ? state == "0A" : (state == "07" && remote_port == 0);
    if (!listening) continue;
    InventoryRecord r;
    r.kind = "socket";
    r.key = std::string(protocol) + " " + address + ":" + std::to_string(port);
    r.fields["protocol"] = protocol;
    r.fields["address"] = address;
    r.fields["port"] = port;
    r.fields["inode"] = inode;
    out.push_back(std::move(r));
  }
  return out;
}

namespace {

// Socket inode -> the comm of a process holding it, from /proc/*/fd.
std::map<std::string, std::string> socket_owners() {
  std::map<std::string, std::string> owners;
  std::error_code ec;
  for (auto& process : std::filesystem::directory_iterator("/proc", ec)) {
    auto pid = process.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string comm;
    std::error_code fd_ec;
    for (auto& fd : std::filesystem::directory_iterator(process.path() / "fd", fd_ec)) {
      char target[64];
      ssize_t n = ::readlink(fd.path().c_str(), target, sizeof target - 1);
      if (n <= 8 || std::strncmp(target, "socket:[", 8) != 0) continue;
      std::string inode(target + 8, static_cast<std::size_t>(n) - 9);
      if (owners.count(inode)) continue;
      if (comm.empty()) {
        std::ifstream in(process.path() / "comm");
        std::getline(in, comm);
      }
      owners[inode] = comm;
    }
  }
  return owners;
}

}  // namespace

std::vector<InventoryRecord> read_listening_sockets(const std::filesystem::path& net_dir) {
  std::vector<InventoryRecord> out;
  for (const char* protocol : {"tcp", "tcp6", "udp", "udp6"}) {
    std::ifstream in(net_dir / protocol);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    for (auto& r : parse_socket_table(protocol, text.str())) out.push_back(std::move(r));
  }
  if (out.empty()) return out;
  auto owners = socket_owners();
  for (auto& r : out) {
    auto owner = owners.find(std::string(r.fields.at("inode").as_string()));
    r.fields["process"] = owner == owners.end() ? "" : owner->second;
    r.fields.erase("inode");  // differs every time the socket is made anew
  }
  return out;
}

}  // namespace responder::baseline
