#include "responder/drill/attack_counters.h"

#include "responder/child_process.h"
#include "responder/json.h"

namespace responder::drill {
namespace {

std::vector<std::string> nft_in(const DrillLab& lab, std::size_t host, std::vector<std::string> args) {
  args.insert(args.begin(), "nft");
  return lab.in_host_network(host, args);
}

}  // namespace

Status install_attack_counters(const DrillLab& lab, std::size_t host) {
  const std::string interface = kVictimAttackInterface, victim = lab.host(host).attack_address;
  // The lab's hosts share the attacker's link: their own traffic to one
  // another (nmbd's, a worm's next hop) is not the attacker's.
  std::string hosts;
  for (std::size_t i = 0; i < lab.host_count(); ++i) hosts += (hosts.empty() ? "" : ", ") + lab.host(i).attack_address;
  const std::string match = "iifname \"" + interface + "\" ip daddr " + victim + " ip saddr != { " + hosts + " } counter;";
  // Hook priorities: prerouting -300 is before conntrack and every filter;
  // input 100 is after responder's chains (-20 to -10) and the usual filter (0).
  // By the attacker's link, not its address: a flood from forged sources
  // comes that way too.
  const std::string rules = "table inet responder_drill {\n"
                            "  chain arrived { type filter hook prerouting priority -300; policy accept; " + match + " }\n"
                            "  chain passed { type filter hook input priority 100; policy accept; " + match + " }\n"
                            "}\n";
  auto argv = nft_in(lab, host, {"-f", "-"});
  auto r = run_program(argv, rules, std::chrono::seconds(10));
  if (!r) return failure("cannot add the drill's counters: " + r.error().message);
  if (r->exit_code != 0) return failure("cannot add the drill's counters: " + describe_exit(argv, *r));
  return {};
}

Result<AttackCount> read_attack_counters(const DrillLab& lab, std::size_t host) {
  auto argv = nft_in(lab, host, {"-j", "list", "table", "inet", "responder_drill"});
  auto r = run_program(argv, {}, std::chrono::seconds(10));
  if (!r) return r.error();
  if (r->exit_code != 0) return failure("cannot read the drill's counters: " + describe_exit(argv, *r));
  AttackCount count;
  try {
    auto doc = parse_json(r->out);
    for (auto& item : doc.at("nftables").as_array()) {
      auto* rule = item.as_object().if_contains("rule");
      if (!rule) continue;
      std::string chain(rule->at("chain").as_string());
      for (auto& e : rule->at("expr").as_array())
        if (auto* c = e.as_object().if_contains("counter")) {
          auto packets = c->at("packets").to_number<std::uint64_t>();
          (chain == "arrived" ? count.arrived : count.passed) += packets;
        }
    }
  } catch (const std::exception& e) {
    return failure(std::string("cannot read the drill's counters: unexpected nft output (") + e.what() + ")");
  }
  return count;
}

}  // namespace responder::drill
