#include "responder/targets/run_hosts.h"

#include <sys/stat.h>

#include "responder/diagnostic.h"
#include "responder/environment.h"
#include "responder/inventory/host_pattern.h"
#include "responder/inventory/host_reach.h"
#include "responder/inventory/inventory_loader.h"
#include "responder/message_text.h"
#include "responder/targets/for_each_host.h"

namespace responder::targets {

RunHosts::RunHosts(const Environment& environment, RunHostsOptions options)
    : environment_(environment), options_(std::move(options)), settings_(target_settings(environment.config)) {
  forks_ = options_.forks > 0 ? options_.forks : settings_.forks;
}

RunHosts::~RunHosts() { close(); }

void RunHosts::close() {
  // One host after another would add ~20 ms per host to every command.
  std::vector<Executor*> open;
  for (auto& [name, executor] : executors_) open.push_back(executor.get());
  for_each_host(open.size(), forks_, [&](std::size_t i) { open[i]->close(); });
  executors_.clear();
}

Result<const inventory::Inventory*> RunHosts::inventory() {
  if (inventory_) return &*inventory_;
  if (options_.inventories.empty())
    return bad_input("no inventory: name one with --inventory FILE, or list them under `inventories:` in the configuration");
  std::vector<Diagnostic> diagnostics;
  auto loaded = inventory::load_inventories(options_.inventories, diagnostics);
  if (!loaded) return bad_input(one_line(loaded.error().message));
  inventory_ = std::move(*loaded);
  return &*inventory_;
}

Result<std::vector<StepHost>> RunHosts::select(const std::vector<std::string>& patterns) {
  auto inv = inventory();
  if (!inv) return inv.error();
  std::vector<StepHost> out;
  std::set<std::string> seen;
  for (auto& pattern : patterns) {
    auto selected = inventory::select_hosts(**inv, pattern);
    if (!selected) return selected.error();
    for (const inventory::Host* host : *selected) {
      if (!seen.insert(host->name).second) continue;
      auto reach = inventory::reach_of(*host);
      if (!reach) return reach.error();
      json::object vars;
      for (auto key : kStepHostVars)
        if (auto* v = host->vars.if_contains(key); v && (v->is_string() || v->is_number())) vars[key] = *v;
      out.push_back({host->name, inventory::reach_to_json(*reach), std::move(vars)});
    }
  }
  return out;
}

Result<bool> RunHosts::allowed(const std::string& host, const std::vector<std::string>& known) {
  if (options_.limit.empty()) return true;
  if (!limited_to_) {
    const inventory::Inventory* from = nullptr;
    inventory::Inventory bare;
    if (!options_.inventories.empty()) {
      auto inv = inventory();
      if (!inv) return inv.error();
      from = *inv;
    } else {
      for (auto& name : known)
        if (auto added = bare.add_host(name); !added) return added.error();
      std::vector<Diagnostic> ignored;
      if (auto done = bare.finish(ignored); !done) return done.error();
      from = &bare;
    }
    auto selected = inventory::select_hosts(*from, options_.limit);
    if (!selected) return bad_input("--limit: " + selected.error().message);
    // Without an inventory the limit is matched once, against every host
    // the journal names (the caller passes them all).
    limited_to_.emplace();
    for (const inventory::Host* h : *selected) limited_to_->insert(h->name);
  }
  return limited_to_->count(host) > 0;
}

Result<Executor*> RunHosts::executor(const StepHost& host) {
  if (auto it = executors_.find(host.name); it != executors_.end()) return it->second.get();
  auto reach = inventory::reach_from_json(host.reach);
  if (!reach) return bad_input("host " + host.name + ": " + reach.error().message);
  // The ssh control sockets live here: only the responder may reach them.
  std::error_code ec;
  std::filesystem::create_directories(options_.run_dir, ec);
  ::chmod(options_.run_dir.c_str(), 0700);
  auto made = make_host_executor(host.name, *reach, settings_, environment_, options_.run_dir, options_.incident_dir);
  if (!made) return made.error();
  Executor* raw = made->get();
  executors_.emplace(host.name, std::move(*made));
  return raw;
}

}  // namespace responder::targets
