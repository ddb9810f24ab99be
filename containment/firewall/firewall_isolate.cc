// firewall.isolate: drops all traffic of the host except with the allow list,
// the management ranges and the responder's own SSH peer (always kept, no
// playbook can take them out), loopback, and IPv6 neighbour discovery (without
// which no IPv6 peer, allowed or not, can be reached).
//
// The step creates base chains and sets of its own, named after the step, so
// that two isolations combine (a packet must pass both) and each is removed
// whole. The final drop only applies while the step's "armed" set holds the
// packet's family: the dead-man switch and `expires` are timeouts on those
// two elements, so the kernel itself lifts the isolation.
#include <netinet/in.h>

#include "containment/firewall/firewall_change.h"
#include "containment/firewall/firewall_module.h"
#include "containment/firewall/firewall_params.h"
#include "containment/firewall/nft_expression.h"
#include "containment/firewall/nft_layout.h"
#include "responder/duration.h"

namespace responder::firewall {
namespace {

using namespace nft_expression;
using nft_layout::ChainDecl;
using nft_layout::SetDecl;

json::value neighbour_discovery() {
  return match(payload("icmpv6", "type"),
               anonymous_set({"nd-neighbor-solicit", "nd-neighbor-advert", "nd-router-solicit", "nd-router-advert"}));
}

Result<FirewallDescription> describe_change(const json::object& params, const StepContext& context) {
  std::vector<AddressRange> allowed;
  if (auto* list = params.if_contains("allow"); list && list->is_array()) {
    std::size_t i = 0;
    for (auto& item : list->get_array()) {
      auto r = parse_address_range(item.as_string());
      if (!r) return bad_input("allow[" + std::to_string(i) + "]: " + r.error().message);
      allowed.push_back(*r);
      ++i;
    }
  }
  std::vector<std::string> kept;
  for (int family : {AF_INET, AF_INET6})
    for (auto& r : protected_ranges(context.safety, family)) {
      allowed.push_back(r);
      kept.push_back(readable(r));
    }
  allowed = merged(std::move(allowed));
  auto expires = whole_seconds_param(params, "expires");
  if (!expires) return expires.error();
  auto confirm = whole_seconds_param(params, "confirm_within");
  if (!confirm) return confirm.error();

  std::string tag = step_tag("iso", context);
  std::string allow4 = tag + "_allow4", allow6 = tag + "_allow6", armed = tag + "_armed";
  FirewallDescription d;
  FirewallChange& c = d.change;
  c.module = "firewall.isolate";
  c.expires = *expires;
  c.confirm_within = *confirm;
  c.own_sets = {SetDecl{.name = allow4, .type = "ipv4_addr", .interval = true, .timeout = false},
                SetDecl{.name = allow6, .type = "ipv6_addr", .interval = true, .timeout = false},
                SetDecl{.name = armed, .type = "nf_proto", .interval = false, .timeout = true}};
  ElementBatch a4{allow4, {}, true, false}, a6{allow6, {}, true, false};
  for (auto& r : allowed) (r.family() == AF_INET ? a4 : a6).keys.push_back(nft_value(r));
  if (!a4.keys.empty()) c.batches.push_back(std::move(a4));
  if (!a6.keys.empty()) c.batches.push_back(std::move(a6));
  c.batches.push_back(ElementBatch{armed, json::array{"ipv4", "ipv6"}, true, true});

  auto drop_if_armed = json::array{match(meta("nfproto"), set_ref(armed)), verdict("drop")};
  auto allow_rules = [&](ChainDecl& chain, const char* field) {
    chain.rules.push_back(json::array{match(payload("ip", field), set_ref(allow4)), verdict("accept")});
    chain.rules.push_back(json::array{match(payload("ip6", field), set_ref(allow6)), verdict("accept")});
  };
  ChainDecl in{.name = tag + "_in", .hook = "input", .priority = nft_layout::kIsolatePriority};
  in.rules.push_back(json::array{match(meta("iif"), "lo"), verdict("accept")});
  allow_rules(in, "saddr");
  in.rules.push_back(json::array{neighbour_discovery(), verdict("accept")});
  in.rules.push_back(drop_if_armed);
  ChainDecl out{.name = tag + "_out", .hook = "output", .priority = nft_layout::kIsolatePriority};
  out.rules.push_back(json::array{match(meta("oif"), "lo"), verdict("accept")});
  allow_rules(out, "daddr");
  out.rules.push_back(json::array{neighbour_discovery(), verdict("accept")});
  out.rules.push_back(drop_if_armed);
  ChainDecl fwd{.name = tag + "_fwd", .hook = "forward", .priority = nft_layout::kIsolatePriority};
  allow_rules(fwd, "saddr");
  allow_rules(fwd, "daddr");
  fwd.rules.push_back(drop_if_armed);
  c.own_chains = {in, out, fwd};

  std::string allow_text;
  for (auto& r : allowed) allow_text += (allow_text.empty() ? "" : ", ") + readable(r);
  d.lines.push_back("isolate this host: drop all traffic except loopback, IPv6 neighbour discovery and " +
                    (allow_text.empty() ? std::string("(no allowed peers: console access only)") : allow_text));
  if (!kept.empty()) {
    std::string k;
    for (auto& s : kept) k += (k.empty() ? "" : ", ") + s;
    d.lines.push_back("always kept reachable (safety rules): " + k);
  }
  if (*expires) d.lines.push_back("the kernel lifts the isolation by itself after " + format_duration(**expires));
  if (*confirm) d.lines.push_back("dead-man switch: lifted after " + format_duration(**confirm) + " unless confirmed");
  return d;
}

class FirewallIsolate final : public FirewallModule {
 public:
  std::string_view name() const override { return "firewall.isolate"; }

 protected:
  Result<FirewallDescription> describe(const json::object& params, const StepContext& context) const override {
    return describe_change(params, context);
  }

  void add_output(const FirewallDescription&, const FirewallReceipt& added, Receipt& receipt) const override {
    json::array chains;
    for (auto& c : added.own_chains) chains.emplace_back(c.name);
    receipt.output["chains"] = std::move(chains);
  }
};

RESPONDER_MODULE(FirewallIsolate);

}  // namespace
}  // namespace responder::firewall
