// firewall.block: drops traffic from and/or to addresses and ports by adding
// elements to the named sets of table inet responder (see nft_layout.h).
// Single addresses go to hash sets, prefixes and ranges to interval sets,
// address-and-port pairs to concatenated interval sets.
#include <netinet/in.h>

#include "containment/firewall/firewall_block.h"
#include "containment/firewall/firewall_block_targets.h"
#include "containment/firewall/firewall_change.h"
#include "containment/firewall/firewall_module.h"
#include "containment/firewall/firewall_params.h"
#include "containment/firewall/nft_layout.h"
#include "responder/address_range.h"
#include "responder/duration.h"
#include "responder/json.h"

namespace responder::firewall {
namespace {

using nft_layout::Direction;

std::vector<Direction> directions(const json::object& params) {
  std::string d = params.if_contains("direction") ? std::string(params.at("direction").as_string()) : "in";
  if (d == "both") return {Direction::in, Direction::out};
  return {d == "out" ? Direction::out : Direction::in};
}

// The addresses and networks by name, as a responder checks them against
// the alert: all of them when few, else the first few and how many.
std::string named_targets(const BlockTargets& targets) {
  // Only the few shown are formatted: an addresses_file may hold 100,000.
  constexpr std::size_t kShown = 5;
  std::vector<std::string> names;
  for (auto* hosts : {&targets.hosts4, &targets.hosts6})
    for (std::size_t i = 0; i < hosts->size() && names.size() < kShown; ++i) names.push_back((*hosts)[i].to_string());
  for (auto* nets : {&targets.nets4, &targets.nets6})
    for (std::size_t i = 0; i < nets->size() && names.size() < kShown; ++i) {
      const AddressRange& range = (*nets)[i];
      auto cidrs = prefixes_of(range);
      names.push_back(cidrs.size() == 1 ? cidrs[0].to_string() : range.first.to_string() + "-" + range.last.to_string());
    }
  std::string text = comma_joined(names);
  if (targets.count() > kShown) text += ", ... (" + std::to_string(targets.count()) + " addresses and networks in all)";
  return text;
}

Result<FirewallDescription> describe_change(const json::object& params, const StepContext& context) {
  auto targets = read_block_targets(params, context.safety);
  if (!targets) return targets.error();
  std::vector<PortRange> ports;
  if (auto* p = params.if_contains("ports"); p && p->is_array()) {
    auto parsed = ports_param(*p);
    if (!parsed) return parsed.error();
    ports = std::move(*parsed);
  }
  std::vector<PortRange> source_ports;
  if (auto* p = params.if_contains("source_ports"); p && p->is_array()) {
    auto parsed = ports_param(*p);
    if (!parsed) return parsed.error();
    source_ports = std::move(*parsed);
    if (source_ports.empty())
      return bad_input("source_ports is empty: name the reflectors' port(s), e.g. [53] or [123] (the analyzer's ports "
                       "were empty: its finding names no single source port)");
  }
  auto expires = whole_seconds_param(params, "expires");
  if (!expires) return expires.error();
  auto confirm = whole_seconds_param(params, "confirm_within");
  if (!confirm) return confirm.error();

  FirewallDescription d;
  FirewallChange& c = d.change;
  c.module = "firewall.block";
  c.expires = *expires;
  c.confirm_within = *confirm;
  auto protocols = protocols_param(params);
  auto dirs = directions(params);
  std::string where;
  for (auto dir : dirs) where += std::string(where.empty() ? "" : " and ") + (dir == Direction::in ? "from" : "to");
  auto port_text = [](const std::vector<PortRange>& ranges) {
    std::string text;
    for (auto& p : ranges)
      text += (text.empty() ? "" : ",") + std::to_string(p.first) + (p.first == p.last ? "" : "-" + std::to_string(p.last));
    return text;
  };
  std::string protocol_text = protocols.size() == 2 ? "tcp and udp" : protocols[0];

  if (!source_ports.empty()) {
    // What arrives from a port: a reflector's answers, whoever sent them.
    if (targets->count() > 0 || !ports.empty())
      return bad_input("source_ports stands alone: it drops what comes from those ports from every address; block "
                       "addresses or ports in a step of their own");
    if (dirs.size() != 1 || dirs[0] != Direction::in)
      return bad_input("source_ports drops incoming packets by the port they come from: use it with direction in");
    ElementBatch services{nft_layout::source_service_set(), {}, false, true};
    for (auto& proto : protocols)
      for (auto& port : source_ports) services.keys.push_back(json::object{{"concat", json::array{json::value(proto), nft_port(port)}}});
    c.batches.push_back(std::move(services));
    for (int family : {AF_INET, AF_INET6}) {
      ElementBatch exempt{nft_layout::exempt_set(family), {}, false, false};
      for (auto& r : protected_ranges(context.safety, family)) exempt.keys.push_back(nft_value(r));
      if (!exempt.keys.empty()) c.protective.push_back(std::move(exempt));
    }
    d.lines.push_back("drop incoming " + protocol_text + " traffic from source port(s) " + port_text(source_ports) +
                      " (a reflector's answers), from every address except the protected ones, here and forwarded");
    if (*expires) d.lines.push_back("the kernel removes it by itself after " + format_duration(**expires));
    if (*confirm) d.lines.push_back("dead-man switch: removed after " + format_duration(**confirm) + " unless confirmed");
    return d;
  }

  for (auto dir : dirs) {
    if (ports.empty()) {
      for (int family : {AF_INET, AF_INET6}) {
        ElementBatch hosts{nft_layout::address_set(family, dir), {}, false, true};
        for (auto& h : family == AF_INET ? targets->hosts4 : targets->hosts6) hosts.keys.emplace_back(h.to_string());
        if (!hosts.keys.empty()) c.batches.push_back(std::move(hosts));
        ElementBatch nets{nft_layout::network_set(family, dir), {}, false, true};
        for (auto& n : family == AF_INET ? targets->nets4 : targets->nets6) nets.keys.push_back(nft_value(n));
        if (!nets.keys.empty()) c.batches.push_back(std::move(nets));
      }
    } else if (targets->count() > 0) {
      for (int family : {AF_INET, AF_INET6}) {
        ElementBatch pairs{nft_layout::address_service_set(family, dir), {}, false, true};
        std::vector<json::value> addresses;
        for (auto& h : family == AF_INET ? targets->hosts4 : targets->hosts6) addresses.emplace_back(h.to_string());
        for (auto& n : family == AF_INET ? targets->nets4 : targets->nets6) addresses.push_back(nft_value(n));
        for (auto& a : addresses)
          for (auto& proto : protocols)
            for (auto& port : ports) pairs.keys.push_back(json::object{{"concat", json::array{a, json::value(proto), nft_port(port)}}});
        if (!pairs.keys.empty()) c.batches.push_back(std::move(pairs));
      }
    } else {
      ElementBatch services{nft_layout::service_set(dir), {}, false, true};
      for (auto& proto : protocols)
        for (auto& port : ports) services.keys.push_back(json::object{{"concat", json::array{json::value(proto), nft_port(port)}}});
      c.batches.push_back(std::move(services));
    }
  }
  if (targets->count() == 0 && !ports.empty())
    for (int family : {AF_INET, AF_INET6}) {
      ElementBatch exempt{nft_layout::exempt_set(family), {}, false, false};
      for (auto& r : protected_ranges(context.safety, family)) exempt.keys.push_back(nft_value(r));
      if (!exempt.keys.empty()) c.protective.push_back(std::move(exempt));
    }

  // No address and no port (an empty list from a variable) blocks nothing.
  if (targets->count() == 0 && ports.empty()) {
    d.lines.push_back("nothing to block: no address and no port is named");
    return d;
  }
  std::string what = targets->count() > 0 ? named_targets(*targets) : "every address";
  d.lines.push_back("drop traffic " + where + " " + what + (ports.empty() ? "" : " on port(s) " + port_text(ports)) +
                    (ports.empty() ? "" : " (" + protocol_text + ")"));
  if (*expires) d.lines.push_back("the kernel removes it by itself after " + format_duration(**expires));
  if (*confirm) d.lines.push_back("dead-man switch: removed after " + format_duration(**confirm) + " unless confirmed");
  return d;
}

class FirewallBlock final : public FirewallModule {
 public:
  std::string_view name() const override { return "firewall.block"; }

 protected:
  Result<FirewallDescription> describe(const json::object& params, const StepContext& context) const override {
    return describe_change(params, context);
  }

  void add_output(const FirewallDescription& d, const FirewallReceipt& added, Receipt& receipt) const override {
    std::size_t requested = 0;
    for (auto& b : d.change.batches) requested += b.keys.size();
    receipt.output["added"] = added.element_count();
    receipt.output["already_present"] = requested >= added.element_count() ? requested - added.element_count() : 0;
    std::string sets;
    for (auto& b : added.batches) sets += (sets.empty() ? "" : ", ") + b.set;
    receipt.changes.push_back(std::to_string(added.element_count()) + " entr" + (added.element_count() == 1 ? "y" : "ies") +
                              " in table inet responder" + (sets.empty() ? "" : " (sets " + sets + ")") +
                              (added.element_count() < requested ? "; the rest were already blocked by earlier steps" : ""));
  }
};

RESPONDER_MODULE(FirewallBlock);

}  // namespace

const Module& firewall_block_module() {
  static const FirewallBlock module;
  return module;
}

}  // namespace responder::firewall
