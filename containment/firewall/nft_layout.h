// The layout of responder's own table, `inet responder`: its chains and named
// sets, declared in one place.
//
// Like CrowdSec's firewall bouncer and fail2ban's nftables action, we keep our
// own table with base chains hooked a little before the usual filter priority
// (-10), and put blocked addresses in named sets that rules look up, so the
// per-packet cost does not grow with the number of addresses. Unlike them,
// single addresses and prefixes live in separate sets: a plain hash set takes
// one more element in milliseconds, while an interval set must be fetched whole
// by nft to merge intervals (1.4 s per call at 100,000 elements).
//
//   src4 src6 dst4 dst6              hash sets of single addresses
//   srcnet4 srcnet6 dstnet4 dstnet6  interval sets of prefixes and ranges
//   inport outport                   protocol . port ranges, any address
//   srcport4 srcport6 dstport4 dstport6   address . protocol . port ranges
//   insrcport                        protocol . source port ranges of
//                                    incoming packets, any address
//   exempt4 exempt6                  protected networks, never hit by a
//                                    port-only or source-port block
//
//   block_in  (input)    drops src*, inport, srcport*, insrcport
//   block_out (output)   drops dst*, outport, dstport*
//   block_fwd (forward)  drops src* and dst*, srcport* and dstport*, insrcport
//
// firewall.isolate and firewall.limit add base chains and sets of their own,
// named after the step (see firewall_step_tag.h), so that each can be removed
// whole without touching any other step's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "responder/json.h"

namespace responder::firewall::nft_layout {

inline constexpr const char* kFamily = "inet";
inline constexpr const char* kTable = "responder";
// Base chain priority: before the usual filter chains (0), like CrowdSec's -10.
inline constexpr int kBlockPriority = -10;
inline constexpr int kIsolatePriority = -20;
inline constexpr int kLimitPriority = -15;

enum class Direction { in, out };

struct SetDecl {
  std::string name;
  json::value type;            // "ipv4_addr" or ["ipv4_addr", "inet_proto", "inet_service"]
  bool interval = false;
  bool timeout = true;         // elements may carry their own timeout
  bool dynamic = false;        // filled from the packet path (meters)
  std::optional<int> size = std::nullopt;
  std::optional<int> default_timeout_s = std::nullopt;
};

struct ChainDecl {
  std::string name;
  std::string hook;            // input, output, forward
  int priority = kBlockPriority;
  std::vector<json::array> rules = {};  // each rule's expression list
};

std::string address_set(int family, Direction direction);          // src4 ...
std::string network_set(int family, Direction direction);          // srcnet4 ...
std::string service_set(Direction direction);                      // inport, outport
std::string address_service_set(int family, Direction direction);  // srcport4 ...
std::string exempt_set(int family);                               // exempt4, exempt6
std::string source_service_set();                                 // insrcport

// The sets and chains firewall.block relies on, in creation order.
const std::vector<SetDecl>& block_sets();
const std::vector<ChainDecl>& block_chains();
// True for the sets whose elements are protective only (exempt*): they do
// not keep the table alive and no step's undo removes them.
bool is_protective_set(const std::string& name);

}  // namespace responder::firewall::nft_layout
