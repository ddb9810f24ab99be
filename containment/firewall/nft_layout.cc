#include "containment/firewall/nft_layout.h"

#include <netinet/in.h>

#include "containment/firewall/nft_expression.h"

namespace responder::firewall::nft_layout {
namespace {

using namespace nft_expression;

const char* suffix(int family) { return family == AF_INET ? "4" : "6"; }
const char* ip_protocol(int family) { return family == AF_INET ? "ip" : "ip6"; }
const char* addr_type(int family) { return family == AF_INET ? "ipv4_addr" : "ipv6_addr"; }

json::array rule(std::initializer_list<json::value> parts) { return json::array(parts.begin(), parts.end()); }

json::value address_of(int family, Direction d) { return payload(ip_protocol(family), d == Direction::in ? "saddr" : "daddr"); }
json::value service_key() { return concat({meta("l4proto"), payload("th", "dport")}); }
json::value source_service_key() { return concat({meta("l4proto"), payload("th", "sport")}); }
json::value address_service_key(int family, Direction d) {
  return concat({address_of(family, d), meta("l4proto"), payload("th", "dport")});
}

// Drops by address (any port), then by address . port.
void address_rules(std::vector<json::array>& rules, Direction d) {
  for (int family : {AF_INET, AF_INET6}) {
    rules.push_back(rule({match(address_of(family, d), set_ref(address_set(family, d))), verdict("drop")}));
    rules.push_back(rule({match(address_of(family, d), set_ref(network_set(family, d))), verdict("drop")}));
  }
  for (int family : {AF_INET, AF_INET6})
    rules.push_back(rule({match(address_service_key(family, d), set_ref(address_service_set(family, d))), verdict("drop")}));
}

// A port-only block applies to every address except the protected ones:
// they leave the chain before the port rules.
void service_rules(std::vector<json::array>& rules, Direction d) {
  for (int family : {AF_INET, AF_INET6})
    rules.push_back(rule({match(address_of(family, d), set_ref(exempt_set(family))), verdict("return")}));
  rules.push_back(rule({match(service_key(), set_ref(service_set(d))), verdict("drop")}));
}

// Incoming packets by their source port (a reflector's in an amplification
// flood), from every address except the protected ones. An answer to what
// this host (or a protected one) asked for is not a reflection: replies of
// tracked connections and loopback pass, so blocking port 53 or 123 keeps
// this host's own DNS and NTP working. Only unsolicited traffic drops.
void source_port_rules(std::vector<json::array>& rules, bool forward) {
  rules.push_back(rule({match(ct("state"), json::array{"established", "related"}, "in"), verdict("return")}));
  if (!forward) rules.push_back(rule({match(meta("iif"), "lo"), verdict("return")}));
  for (int family : {AF_INET, AF_INET6}) {
    rules.push_back(rule({match(address_of(family, Direction::in), set_ref(exempt_set(family))), verdict("return")}));
    if (forward) rules.push_back(rule({match(address_of(family, Direction::out), set_ref(exempt_set(family))), verdict("return")}));
  }
  rules.push_back(rule({match(source_service_key(), set_ref(source_service_set())), verdict("drop")}));
}

}  // namespace

std::string address_set(int family, Direction d) { return std::string(d == Direction::in ? "src" : "dst") + suffix(family); }
std::string network_set(int family, Direction d) { return std::string(d == Direction::in ? "srcnet" : "dstnet") + suffix(family); }
std::string service_set(Direction d) { return d == Direction::in ? "inport" : "outport"; }
std::string address_service_set(int family, Direction d) {
  return std::string(d == Direction::in ? "srcport" : "dstport") + suffix(family);
}
std::string exempt_set(int family) { return std::string("exempt") + suffix(family); }
std::string source_service_set() { return "insrcport"; }
bool is_protective_set(const std::string& name) { return name.rfind("exempt", 0) == 0; }

const std::vector<SetDecl>& block_sets() {
  static const std::vector<SetDecl> sets = [] {
    std::vector<SetDecl> out;
    for (Direction d : {Direction::in, Direction::out})
      for (int family : {AF_INET, AF_INET6}) {
        out.push_back({.name = address_set(family, d), .type = addr_type(family)});
        out.push_back({.name = network_set(family, d), .type = addr_type(family), .interval = true});
        out.push_back({.name = address_service_set(family, d),
                       .type = json::array{addr_type(family), "inet_proto", "inet_service"},
                       .interval = true});
      }
    for (Direction d : {Direction::in, Direction::out})
      out.push_back({.name = service_set(d), .type = json::array{"inet_proto", "inet_service"}, .interval = true});
    out.push_back({.name = source_service_set(), .type = json::array{"inet_proto", "inet_service"}, .interval = true});
    for (int family : {AF_INET, AF_INET6})
      out.push_back({.name = exempt_set(family), .type = addr_type(family), .interval = true, .timeout = false});
    return out;
  }();
  return sets;
}

const std::vector<ChainDecl>& block_chains() {
  static const std::vector<ChainDecl> chains = [] {
    ChainDecl in{.name = "block_in", .hook = "input"};
    address_rules(in.rules, Direction::in);
    service_rules(in.rules, Direction::in);
    source_port_rules(in.rules, false);
    ChainDecl out{.name = "block_out", .hook = "output"};
    address_rules(out.rules, Direction::out);
    service_rules(out.rules, Direction::out);
    // Forwarded traffic: blocked sources and destinations both drop; port-only
    // blocks are about this host's own services and stay out of forward, but
    // a reflector's source port is dropped for the hosts behind us too.
    ChainDecl fwd{.name = "block_fwd", .hook = "forward"};
    address_rules(fwd.rules, Direction::in);
    address_rules(fwd.rules, Direction::out);
    source_port_rules(fwd.rules, true);
    return std::vector<ChainDecl>{in, out, fwd};
  }();
  return chains;
}

}  // namespace responder::firewall::nft_layout
