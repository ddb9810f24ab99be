#include "responder/module.h"

#include <algorithm>
#include <stdexcept>

#include "responder/schema_catalog.h"

namespace responder {

std::string SafetyRules::protection_covering(const Cidr& target) const {
  for (auto& range : management)
    if (range.overlaps(target))
      return "management range " + range.to_string();
  if (own_ssh_peer && target.contains(*own_ssh_peer))
    return "the responder's own SSH session from " + own_ssh_peer->to_string();
  return "";
}

const ModuleSchema& Module::schema() const {
  const ModuleSchema* schema = SchemaCatalog::instance().module(name());
  if (!schema) throw std::logic_error("module " + std::string(name()) + " has no schema file");
  return *schema;
}

Result<Receipt> Module::confirm(const Receipt&, StepContext& context) const {
  return bad_input("step " + context.step_id + " (" + std::string(name()) + ") has no dead-man switch to confirm");
}

Status Module::reconcile(const Receipt&, bool, StepContext&) const { return {}; }

std::vector<std::string> Module::in_force_lines(const Receipt& receipt, std::int64_t) const { return receipt.changes; }

std::string Module::ended_by_itself(const Receipt&, std::int64_t) const { return ""; }

std::vector<std::string> Module::undone_lines(const Receipt& receipt) const {
  std::vector<std::string> lines;
  for (auto& change : receipt.changes)
    if (!change.starts_with("WARNING: ")) lines.push_back("undid: " + change);
  return lines;
}

std::vector<Module::StaticIssue> Module::check_static(const json::object&) const { return {}; }

Result<std::vector<HostBatch>> Module::order_hosts(const json::object&, const std::vector<PlannedHost>&) const {
  return std::vector<HostBatch>{};
}

Result<HostDelivery> Module::prepare_on_controller(const json::object& params, StepContext&) const {
  return HostDelivery{params, nullptr, ""};
}

ModuleRegistry& ModuleRegistry::instance() {
  static ModuleRegistry registry;
  return registry;
}

void ModuleRegistry::add(std::unique_ptr<Module> module) { modules_.push_back(std::move(module)); }

const Module* ModuleRegistry::find(std::string_view name) const {
  for (auto& m : modules_)
    if (m->name() == name) return m.get();
  return nullptr;
}

std::vector<std::string> ModuleRegistry::names() const {
  std::vector<std::string> out;
  for (auto& m : modules_) out.emplace_back(m->name());
  std::sort(out.begin(), out.end());
  return out;
}

const std::vector<std::string>& promised_module_names() {
  static const std::vector<std::string> names = {
      "note.add",        "wait",           "firewall.block",   "firewall.isolate", "firewall.limit",
      "service.stop",    "share.readonly", "access.disable",   "account.lock",     "credential.rotate",
      "evidence.capture", "evidence.collect", "evidence.image", "evidence.seal",   "traffic.capture",
      "traffic.analyze", "traffic.watch",  "logs.analyze",     "baseline.compare", "notify.send",
      "release.push",    "containment.undo", "report.write",
  };
  return names;
}

}  // namespace responder
