// firewall.limit: drops new connections to a port beyond a rate, per source
// address (a meter: a dynamic set keyed by source, one limiter each) or in
// total. Management ranges and the responder's own SSH peer are exempt, so a
// limit on port 22 cannot lock the responder out. The step has its own base
// chain and sets, named after the step; like isolate, its drops are gated by
// an "armed" set whose element timeouts implement `expires` and the dead-man
// switch.
#include <netinet/in.h>

#include <charconv>

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

Result<FirewallDescription> describe_change(const json::object& params, const StepContext& context) {
  auto ports = ports_param(json::array{params.at("port")});
  if (!ports) return ports.error();
  std::string rate_text(params.at("rate").as_string());
  auto slash = rate_text.find('/');
  if (slash == std::string::npos) return bad_input("rate '" + rate_text + "': expected N/second, N/minute or N/hour");
  std::int64_t rate = 0;
  std::from_chars(rate_text.data(), rate_text.data() + slash, rate);
  std::string per_unit = rate_text.substr(slash + 1);
  if (rate <= 0 || (per_unit != "second" && per_unit != "minute" && per_unit != "hour"))
    return bad_input("rate '" + rate_text + "': expected N/second, N/minute or N/hour");
  std::int64_t burst = params.if_contains("burst") ? params.at("burst").to_number<std::int64_t>() : 5;
  bool per_source = !params.if_contains("per") || params.at("per").as_string() == "source";
  auto protocols = protocols_param(json::object{{"protocol", params.if_contains("protocol") ? params.at("protocol") : "tcp"}});
  auto expires = whole_seconds_param(params, "expires");
  if (!expires) return expires.error();
  auto confirm = whole_seconds_param(params, "confirm_within");
  if (!confirm) return confirm.error();

  std::string tag = step_tag("lim", context);
  std::string exempt4 = tag + "_exempt4", exempt6 = tag + "_exempt6", armed = tag + "_armed";
  FirewallDescription d;
  FirewallChange& c = d.change;
  c.module = "firewall.limit";
  c.expires = *expires;
  c.confirm_within = *confirm;
  c.own_sets = {SetDecl{.name = exempt4, .type = "ipv4_addr", .interval = true, .timeout = false},
                SetDecl{.name = exempt6, .type = "ipv6_addr", .interval = true, .timeout = false},
                SetDecl{.name = armed, .type = "nf_proto", .interval = false, .timeout = true}};
  // A meter forgets a source after a quiet spell longer than the rate's unit.
  int forget_s = per_unit == "second" ? 60 : per_unit == "minute" ? 600 : 7200;
  if (per_source) {
    c.own_sets.push_back(SetDecl{.name = tag + "_meter4", .type = "ipv4_addr", .timeout = true, .dynamic = true,
                                 .size = 65535, .default_timeout_s = forget_s});
    c.own_sets.push_back(SetDecl{.name = tag + "_meter6", .type = "ipv6_addr", .timeout = true, .dynamic = true,
                                 .size = 65535, .default_timeout_s = forget_s});
  }
  for (int family : {AF_INET, AF_INET6}) {
    ElementBatch exempt{family == AF_INET ? exempt4 : exempt6, {}, true, false};
    for (auto& r : protected_ranges(context.safety, family)) exempt.keys.push_back(nft_value(r));
    if (!exempt.keys.empty()) c.batches.push_back(std::move(exempt));
  }
  c.batches.push_back(ElementBatch{armed, json::array{"ipv4", "ipv6"}, true, true});

  json::value proto = protocols.size() == 1 ? json::value(protocols[0]) : anonymous_set({"tcp", "udp"});
  json::object limit{{"rate", rate}, {"per", per_unit}, {"burst", burst}, {"inv", true}};
  ChainDecl chain{.name = tag, .hook = "input", .priority = nft_layout::kLimitPriority};
  chain.rules.push_back(json::array{match(payload("ip", "saddr"), set_ref(exempt4)), verdict("return")});
  chain.rules.push_back(json::array{match(payload("ip6", "saddr"), set_ref(exempt6)), verdict("return")});
  auto head = [&] {
    return json::array{match(meta("nfproto"), set_ref(armed)), match(meta("l4proto"), proto),
                       match(payload("th", "dport"), nft_port((*ports)[0])), match(ct("state"), "new", "in")};
  };
  if (per_source) {
    for (int family : {AF_INET, AF_INET6}) {
      auto rule = head();
      rule.insert(rule.begin(), match(meta("nfproto"), family == AF_INET ? "ipv4" : "ipv6"));
      rule.push_back(json::object{{"set", json::object{{"op", "update"},
                                                       {"elem", payload(family == AF_INET ? "ip" : "ip6", "saddr")},
                                                       {"set", set_ref(tag + (family == AF_INET ? "_meter4" : "_meter6"))},
                                                       {"stmt", json::array{json::object{{"limit", limit}}}}}}});
      rule.push_back(verdict("drop"));
      chain.rules.push_back(std::move(rule));
    }
  } else {
    auto rule = head();
    rule.push_back(json::object{{"limit", limit}});
    rule.push_back(verdict("drop"));
    chain.rules.push_back(std::move(rule));
  }
  c.own_chains = {chain};

  auto& p = (*ports)[0];
  d.lines.push_back("limit new " + std::string(protocols.size() == 2 ? "tcp and udp" : protocols[0]) + " connections to port " +
                    std::to_string(p.first) + (p.first == p.last ? "" : "-" + std::to_string(p.last)) + " to " + rate_text +
                    " (burst " + std::to_string(burst) + ") " + (per_source ? "per source address" : "in total") +
                    "; management and the own SSH peer exempt");
  if (*expires) d.lines.push_back("the kernel lifts the limit by itself after " + format_duration(**expires));
  if (*confirm) d.lines.push_back("dead-man switch: lifted after " + format_duration(**confirm) + " unless confirmed");
  return d;
}

class FirewallLimit final : public FirewallModule {
 public:
  std::string_view name() const override { return "firewall.limit"; }

 protected:
  Result<FirewallDescription> describe(const json::object& params, const StepContext& context) const override {
    return describe_change(params, context);
  }

  void add_output(const FirewallDescription&, const FirewallReceipt& added, Receipt& receipt) const override {
    receipt.output["chain"] = added.own_chains.empty() ? "" : added.own_chains[0].name;
  }
};

RESPONDER_MODULE(FirewallLimit);

}  // namespace
}  // namespace responder::firewall
