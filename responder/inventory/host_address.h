// A host entry of an inventory, `NAME[:PORT]` or `[IPv6]:PORT`, split as
// Ansible's parse_address (lib/ansible/parsing/utils/addresses.py) splits it,
// host ranges (`web[01:20]`) allowed in the name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace responder::inventory {

struct HostAddress {
  std::string host;                // the name or address, ranges not yet expanded
  std::optional<unsigned long long> port;  // present when a :PORT was given
};

// The host and port when `text` is a valid host name (DNS-like labels of
// letters, digits, `_` and `-`, with ranges), IPv4 address (ranges allowed)
// or IPv6 address, with an optional port; nullopt otherwise (Ansible then
// takes the whole text as the host name, with no port). A port too large for
// 64 bits makes it invalid too.
std::optional<HostAddress> parse_host_address(std::string_view text);

}  // namespace responder::inventory
