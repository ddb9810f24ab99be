// access.disable: no new remote logins. SSH and VPN servers are stopped
// through systemd (unit_stop.h), with their prior states recorded for an
// exact undo. When the responder's own session comes in over SSH, stopping
// sshd would be survivable (sessions outlive it) but a single mistake away
// from a lock-out, so sshd keeps running and new connections to its port are
// dropped by a firewall.block step of our own instead, which exempts the
// management ranges and this session's peer.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "containment/firewall/firewall_block.h"
#include "containment/systemd/unit_stop.h"
#include "responder/message_text.h"
#include "responder/schema.h"

namespace responder::accounts {
using namespace responder::firewall;
using namespace responder::systemd;
namespace {

// Whether an ancestor of this process is sshd: true under `sudo` too, which
// clears SSH_CONNECTION.
bool under_sshd() {
  pid_t pid = ::getppid();
  for (int depth = 0; pid > 1 && depth < 64; ++depth) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    auto open = line.find('('), close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) return false;
    if (line.substr(open + 1, close - open - 1) == "sshd") return true;
    std::istringstream rest(line.substr(close + 2));
    char state;
    rest >> state >> pid;
  }
  return false;
}

struct AccessPlan {
  std::vector<UnitChange> units;
  bool firewall = false;          // block the SSH port instead of stopping sshd
  std::string firewall_reason;
  json::object firewall_params;
  std::vector<std::string> notes;  // what was looked for and not found
};

bool ssh_requested(const json::object& params) {
  auto* s = params.if_contains("ssh");
  return s && s->is_bool() && s->as_bool();
}

Result<std::vector<std::string>> vpn_patterns(const json::object& params) {
  std::vector<std::string> out;
  // A unit name (at most 255 characters, as systemd allows) or a glob of one.
  auto valid_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view(":_.@*?[]\\-").find(c) != std::string_view::npos;
  };
  if (auto* v = params.if_contains("vpn"); v && v->is_array())
    for (auto& p : v->as_array()) {
      std::string pattern(p.as_string());
      if (pattern.empty() || pattern.size() > 255 || !std::all_of(pattern.begin(), pattern.end(), valid_char))
        return bad_input("vpn: " + in_quotes(pattern) + " is not a unit name or pattern");
      out.push_back(pattern);
    }
  return out;
}

Result<AccessPlan> plan_access(const json::object& params, const StepContext& context, SystemdManager& systemd) {
  AccessPlan plan;
  auto patterns = vpn_patterns(params);
  if (!patterns) return patterns.error();
  if (!ssh_requested(params) && patterns->empty()) return bad_input("access.disable: set ssh: true, or name vpn units, or both");

  std::vector<std::string> stop;
  if (ssh_requested(params)) {
    bool own_ssh = (context.safety && context.safety->own_ssh_peer) || under_sshd();
    std::vector<std::string> servers;
    for (const char* unit : {"ssh.service", "sshd.service"}) {
      auto s = systemd.state(unit);
      if (!s) return s.error();
      if (s->exists()) servers.push_back(unit);
    }
    if (own_ssh || servers.empty()) {
      if (own_ssh && !(context.safety && context.safety->own_ssh_peer))
        return refusal("access.disable: this responder runs inside an SSH session whose peer address is unknown "
                       "(SSH_CONNECTION is not set, as under sudo); blocking SSH could cut it off. Run with "
                       "`sudo -E`, or name your address with --allow");
      plan.firewall = true;
      plan.firewall_reason = own_ssh ? "this responder is connected over SSH, so sshd keeps running"
                                     : "no ssh.service or sshd.service unit here";
      json::array ports{params.at("ssh_port")};
      plan.firewall_params = json::object{{"ports", ports}, {"protocol", "tcp"}, {"direction", "in"}};
    } else {
      stop = servers;
    }
  }
  if (!patterns->empty()) {
    auto matched = systemd.matching(*patterns);
    if (!matched) return matched.error();
    for (auto& u : *matched)
      if (u.running()) stop.push_back(u.name);
    if (matched->empty()) plan.notes.push_back("no VPN unit matches " + to_json_text(params.at("vpn")));
  }
  auto units = plan_unit_stops(systemd, stop, false);
  if (!units) return units.error();
  plan.units = std::move(*units);
  return plan;
}

// The firewall.block step's receipt, as kept inside this step's receipt.
json::object firewall_part(const Receipt& firewall) {
  json::object o;
  o["undo"] = firewall.undo;
  o["output"] = firewall.output;
  return o;
}

Receipt receipt_from_json(const json::object& o) {
  Receipt r;
  if (auto* u = o.if_contains("undo")) r.undo = u->as_object();
  if (auto* u = o.if_contains("output")) r.output = u->as_object();
  return r;
}

class AccessDisable final : public Module {
 public:
  std::string_view name() const override { return "access.disable"; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    auto systemd = SystemdManager::connect();
    if (!systemd) return systemd.error();
    auto access = plan_access(params, context, *systemd);
    if (!access) return access.error();
    PlanResult plan;
    for (auto& c : access->units) plan.changes.push_back(c.describe());
    if (access->firewall) {
      auto p = firewall_block_module().schema().resolve(access->firewall_params);
      if (!p) return p.error();
      auto fw = firewall_block_module().plan(*p, context);
      if (!fw) return fw.error();
      plan.changes.push_back("block new SSH connections to port " + display(params.at("ssh_port")) +
                             " except from the management ranges and this session (" + access->firewall_reason + ")");
      plan.changes.insert(plan.changes.end(), fw->changes.begin(), fw->changes.end());
      plan.detail["firewall"] = fw->detail;
    }
    for (auto& n : access->notes) plan.changes.push_back(n);
    plan.detail["units"] = to_json(access->units);
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    auto systemd = SystemdManager::connect();
    if (!systemd) return systemd.error();
    auto access = plan_access(params, context, *systemd);
    if (!access) return access.error();
    // After a crash the journaled plan stands: units the first attempt
    // already stopped must still be started again by undo.
    const json::object* planned = context.planned;
    if (planned && planned->if_contains("units")) {
      auto units = unit_changes_from_json(planned->at("units"));
      if (!units) return units.error();
      access->units = std::move(*units);
    }
    Receipt receipt;
    if (access->firewall) {
      auto p = firewall_block_module().schema().resolve(access->firewall_params);
      if (!p) return p.error();
      // A block the first attempt already added is taken over, not added
      // again (which would leave it out of this receipt, and so of undo).
      std::optional<Receipt> earlier;
      if (planned && planned->if_contains("firewall"))
        if (auto v = firewall_block_module().verify({}, nullptr, planned->at("firewall").as_object(), context); v && v->recovered)
          earlier = std::move(v->recovered);
      auto fw = earlier ? Result<Receipt>(std::move(*earlier)) : firewall_block_module().apply(*p, context);
      if (!fw) return fw.error();
      receipt.undo["firewall"] = firewall_part(*fw);
      receipt.changes.push_back("new SSH connections blocked in the firewall (" + access->firewall_reason + ")");
    }
    if (auto s = apply_unit_stops(*systemd, access->units, context); !s) {
      if (access->firewall) {
        auto fw = receipt_from_json(receipt.undo.at("firewall").as_object());
        if (auto u = firewall_block_module().undo(fw, context); !u)
          return failure(s.error().message + "; removing the SSH block failed too: " + u.error().message);
      }
      return s.error();
    }
    receipt.undo["units"] = to_json(access->units);
    json::array stopped;
    for (auto& c : access->units) {
      receipt.changes.push_back(c.describe());
      if (c.stop) stopped.emplace_back(c.unit);
    }
    for (auto& n : access->notes) receipt.changes.push_back(n);
    receipt.output["stopped"] = stopped;
    receipt.output["ssh_blocked_in_firewall"] = access->firewall;
    return receipt;
  }

  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object& planned,
                              StepContext& context) const override {
    if (!receipt) return recover(planned, context);
    auto changes = unit_changes_from_json(receipt->undo.at("units"));
    if (!changes) return changes.error();
    auto systemd = SystemdManager::connect();
    if (!systemd) return systemd.error();
    auto v = verify_unit_stops(*systemd, *changes);
    if (!v) return v.error();
    if (auto* f = receipt->undo.if_contains("firewall")) {
      auto fw = receipt_from_json(f->as_object());
      auto fv = firewall_block_module().verify({}, &fw, {}, context);
      if (!fv) return fv.error();
      v->in_effect = v->in_effect && fv->in_effect;
      v->detail += (v->detail.empty() ? "" : "; ") + std::string("SSH block: ") + fv->detail;
    }
    return v;
  }

  // A crash after the change and before its receipt: what the plan said is
  // read back, and when all of it is in force the receipt is rebuilt.
  Result<Verification> recover(const json::object& planned, StepContext& context) const {
    auto* units = planned.if_contains("units");
    if (!units) return Verification{false, "nothing was planned", std::nullopt};
    auto changes = unit_changes_from_json(*units);
    if (!changes) return changes.error();
    auto systemd = SystemdManager::connect();
    if (!systemd) return systemd.error();
    auto v = verify_unit_stops(*systemd, *changes);
    if (!v) return v.error();
    Receipt rebuilt;
    rebuilt.undo["units"] = *units;
    if (auto* f = planned.if_contains("firewall")) {
      auto fv = firewall_block_module().verify({}, nullptr, f->as_object(), context);
      if (!fv) return fv.error();
      v->in_effect = v->in_effect && fv->in_effect && fv->recovered;
      v->detail += (v->detail.empty() ? "" : "; ") + std::string("SSH block: ") + fv->detail;
      if (fv->recovered) rebuilt.undo["firewall"] = firewall_part(*fv->recovered);
    }
    for (auto& c : *changes) rebuilt.changes.push_back(c.describe());
    if (v->in_effect) v->recovered = std::move(rebuilt);
    return v;
  }

  std::vector<std::string> undone_lines(const Receipt& receipt) const override {
    std::vector<std::string> lines;
    if (auto* f = receipt.undo.if_contains("firewall"); f && f->is_object())
      lines.push_back("new SSH connections are let through the firewall again");
    for (auto& line : undone_lines_of_units(receipt.undo)) lines.push_back(line);
    if (lines.empty()) lines.push_back("nothing to give back: remote access was already off");
    return lines;
  }

  Status undo(const Receipt& receipt, StepContext& context) const override {
    auto changes = unit_changes_from_json(receipt.undo.at("units"));
    if (!changes) return changes.error();
    std::string problems;
    if (auto* f = receipt.undo.if_contains("firewall"))
      if (auto s = firewall_block_module().undo(receipt_from_json(f->as_object()), context); !s) problems = s.error().message;
    if (!changes->empty()) {
      auto systemd = SystemdManager::connect();
      if (!systemd) return systemd.error();
      if (auto s = undo_unit_stops(*systemd, *changes, context); !s)
        problems += (problems.empty() ? "" : "; ") + s.error().message;
    }
    if (!problems.empty()) return failure(problems);
    return Status::success();
  }
};

RESPONDER_MODULE(AccessDisable);

}  // namespace
}  // namespace responder::accounts
