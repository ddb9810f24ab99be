#include "forensics/baseline/listening_sockets.h"

#include <arpa/inet.h>

#include <cstring>
#include <fstream>
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
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state)) continue;
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
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<InventoryRecord> read_listening_sockets(const std::filesystem::path& net_dir) {
  std::vector<InventoryRecord> out;
  for (const char* protocol : {"tcp", "tcp6", "udp", "udp6"}) {
    std::ifstream in(net_dir / protocol);
    if (!in) continue;
    std::stringstream text;
    text << in.rdbuf();
    for (auto& r : parse_socket_table(protocol, text.str())) out.push_back(std::move(r));
  }
  return out;
}

}  // namespace responder::baseline
