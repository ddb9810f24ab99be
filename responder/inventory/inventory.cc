#include "responder/inventory/inventory.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "responder/message_text.h"

namespace responder::inventory {

bool is_localhost_name(std::string_view name) { return name == "localhost" || name == "127.0.0.1" || name == "::1"; }

Inventory::Inventory() {
  (void)add_group("all");
  (void)add_group("ungrouped");
  (void)add_child("all", "ungrouped");
}

Group* Inventory::group_named(std::string_view name) {
  auto it = group_index_.find(name);
  return it == group_index_.end() ? nullptr : &groups_[it->second];
}

Host* Inventory::host_named(std::string_view name) {
  auto it = host_index_.find(name);
  return it == host_index_.end() ? nullptr : &hosts_[it->second];
}

const Group* Inventory::find_group(std::string_view name) const {
  auto it = group_index_.find(name);
  return it == group_index_.end() ? nullptr : &groups_[it->second];
}

const Host* Inventory::find_host(std::string_view name) const {
  auto it = host_index_.find(name);
  return it == host_index_.end() ? nullptr : &hosts_[it->second];
}

Status Inventory::add_group(const std::string& name) {
  if (name.empty()) return bad_input("a group name cannot be empty");
  if (name.size() > kMaxNameLength)
    return bad_input("a group name longer than " + std::to_string(kMaxNameLength) + " bytes");
  if (group_named(name)) return {};
  if (groups_.size() >= kMaxGroups)
    return bad_input("more than " + std::to_string(kMaxGroups) + " groups in the inventories; refusing to load more");
  group_index_.emplace(name, groups_.size());
  groups_.push_back(Group{name, {}, {}, {}, {}, 1, 0});
  return {};
}

Status Inventory::add_host(const std::string& name, const std::string& group) {
  if (name.empty()) return bad_input("a host name cannot be empty");
  if (name.size() > kMaxNameLength) return bad_input("a host name longer than " + std::to_string(kMaxNameLength) + " bytes");
  Group* g = nullptr;
  if (!group.empty()) {
    g = group_named(group);
    if (!g) return bad_input("no group " + in_quotes(group) + " in the inventory");
  }
  if (!host_named(name)) {
    if (hosts_.size() >= kMaxHosts)
      return bad_input("more than " + std::to_string(kMaxHosts) + " hosts in the inventories; refusing to load more");
    host_index_.emplace(name, hosts_.size());
    hosts_.push_back(Host{name, {}, {}, {}, false});
  }
  if (g && direct_members_.emplace(group_index_.at(group), host_index_.at(name)).second) g->hosts.push_back(name);
  return {};
}

Status Inventory::add_child(const std::string& group, const std::string& child, const Diagnostic& where) {
  Group* g = group_named(group);
  if (!g) return bad_input(in_quotes(group) + " is not a known group");
  if (Group* c = group_named(child)) {
    if (group == child) return bad_input("group " + in_quotes(group) + " cannot be a child of itself");
    if (std::find(g->children.begin(), g->children.end(), child) != g->children.end()) return {};
    g->children.push_back(child);
    links_.push_back({group_index_.at(group), group_index_.at(child), where});
    if (std::find(c->parents.begin(), c->parents.end(), group) == c->parents.end()) c->parents.push_back(group);
    return {};
  }
  if (host_named(child)) return add_host(child, group);
  return bad_input(in_quotes(child) + " is not a known host nor group");
}

Status Inventory::set_variable(const std::string& entity, const std::string& key, json::value value) {
  if (Group* g = group_named(entity)) {
    if (key == "ansible_group_priority") {
      // Ansible: int(value); a number or a string of digits.
      if (value.is_int64() && value.get_int64() >= INT32_MIN && value.get_int64() <= INT32_MAX) {
        g->priority = static_cast<int>(value.get_int64());
        return {};
      }
      if (value.is_bool()) {
        g->priority = value.get_bool() ? 1 : 0;
        return {};
      }
      if (value.is_string()) {
        std::string text(value.get_string());
        std::size_t used = 0;
        try {
          int n = std::stoi(text, &used);
          if (used == text.size()) {
            g->priority = n;
            return {};
          }
        } catch (const std::exception&) {
        }
      }
      return bad_input("ansible_group_priority must be an integer, found " + in_quotes(display(value)));
    }
    g->vars[key] = std::move(value);
    return {};
  }
  if (Host* h = host_named(entity)) {
    h->own_vars[key] = std::move(value);
    return {};
  }
  return bad_input("no group or host named " + in_quotes(entity));
}

Status Inventory::finish(std::vector<Diagnostic>& diagnostics) {
  // Every group without a parent becomes a child of `all`.
  for (std::size_t i = 0; i < groups_.size(); ++i)
    if (groups_[i].name != "all" && groups_[i].parents.empty()) (void)add_child("all", groups_[i].name);

  // Topological order from `all` (Kahn); groups left over are in a loop.
  // Depth: the longest path from `all`, what Ansible's incremental depth
  // ends at.
  std::vector<std::size_t> waiting(groups_.size()), order, ready;
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    groups_[i].depth = 0;
    waiting[i] = groups_[i].parents.size();
    if (waiting[i] == 0) ready.push_back(i);
  }
  while (!ready.empty()) {
    std::size_t i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (auto& c : groups_[i].children) {
      std::size_t j = group_index_.at(c);
      groups_[j].depth = std::max(groups_[j].depth, groups_[i].depth + 1);
      if (--waiting[j] == 0) ready.push_back(j);
    }
  }
  if (order.size() != groups_.size()) {
    // The loop is reported at the last link declared between two groups of
    // it, where Ansible stops too.
    const Link* closing = nullptr;
    for (auto it = links_.rbegin(); it != links_.rend(); ++it) {
      if (waiting[it->parent] == 0 || waiting[it->child] == 0) continue;
      if (!closing || (closing->where.file.empty() && !it->where.file.empty())) closing = &*it;
    }
    if (const Link* it = closing) {
      Diagnostic d = it->where;
      d.message = "adding group " + in_quotes(groups_[it->child].name) + " as a child of " +
                  in_quotes(groups_[it->parent].name) + " makes a loop (" + in_quotes(groups_[it->parent].name) +
                  " is already a descendant of " + in_quotes(groups_[it->child].name) + ")";
      diagnostics.push_back(d);
      return bad_input(d.format());
    }
  }

  // Each group's ancestors, once, in topological order.
  std::vector<std::vector<std::size_t>> ancestors(groups_.size());
  std::size_t total = 0;
  for (std::size_t i : order) {
    std::set<std::size_t> in;
    for (auto& p : groups_[i].parents) {
      std::size_t pi = group_index_.at(p);
      in.insert(pi);
      in.insert(ancestors[pi].begin(), ancestors[pi].end());
    }
    ancestors[i].assign(in.begin(), in.end());
    total += in.size();
    if (total > kMaxMemberships) break;
  }
  auto too_many = [&]() -> Status {
    diagnostics.push_back({"", 0, 0, "the inventories make more than " + std::to_string(kMaxMemberships) +
                                         " group memberships; refusing to compute them"});
    return bad_input(diagnostics.back().message);
  };
  if (total > kMaxMemberships) return too_many();

  std::vector<std::vector<std::size_t>> direct(hosts_.size());
  for (auto [g, h] : direct_members_) direct[h].push_back(g);
  auto closure = [&](std::size_t host) {
    std::set<std::size_t> in;
    for (std::size_t g : direct[host]) {
      in.insert(g);
      in.insert(ancestors[g].begin(), ancestors[g].end());
    }
    return in;
  };

  // `ungrouped` holds exactly the hosts in no other group.
  const std::size_t all = group_index_.at("all"), ungrouped = group_index_.at("ungrouped");
  std::set<std::string> leave;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    auto in = closure(h);
    in.erase(all);
    bool in_ungrouped = in.erase(ungrouped) > 0;
    if (in_ungrouped && !in.empty()) {
      leave.insert(hosts_[h].name);
      direct_members_.erase({ungrouped, h});
      std::erase(direct[h], ungrouped);
    } else if (!in_ungrouped && in.empty()) {
      groups_[ungrouped].hosts.push_back(hosts_[h].name);
      direct_members_.insert({ungrouped, h});
      direct[h].push_back(ungrouped);
    }
  }
  std::erase_if(groups_[ungrouped].hosts, [&](const std::string& h) { return leave.count(h) > 0; });

  auto precedence = [&](std::size_t a, std::size_t b) {
    const Group& ga = groups_[a];
    const Group& gb = groups_[b];
    return std::tie(ga.depth, ga.priority, ga.name) < std::tie(gb.depth, gb.priority, gb.name);
  };
  total = 0;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    auto in = closure(h);
    in.erase(all);
    total += in.size() + 1;
    if (total > kMaxMemberships) return too_many();
    std::vector<std::size_t> sorted(in.begin(), in.end());
    std::sort(sorted.begin(), sorted.end(), precedence);
    // `all` first whatever its priority (Ansible reads it separately).
    sorted.insert(sorted.begin(), all);
    Host& host = hosts_[h];
    host.groups.clear();
    host.vars = {};
    for (std::size_t g : sorted) {
      host.groups.push_back(groups_[g].name);
      for (auto& [k, v] : groups_[g].vars) host.vars[k] = v;
    }
    for (auto& [k, v] : host.own_vars) host.vars[k] = v;
  }

  Host& local = *implicit_localhost_;
  local = Host{};
  local.name = "localhost";
  local.own_vars["ansible_connection"] = "local";
  local.vars = groups_[all].vars;
  local.vars["ansible_connection"] = "local";
  local.groups = {"all"};
  local.implicit = true;
  return {};
}

// Ansible's Group._walk_relationship(preserve_ordering=True) then
// _get_hosts: the group, its children in order, then level by level the
// children of the groups of the level before, each group listed once; the
// hosts of each listed group in its own order. Ansible iterates a level as a
// Python set; this walks it in the order its groups were listed, which is
// Ansible's order whenever at most one group of a level has children.
// Groups marked in `skip` (walked before: their hosts are all in `out`) are
// not entered. Calls `take` for each host of a listed group; returns the
// links and hosts visited.
template <class Take>
std::size_t Inventory::walk_group(std::size_t root, std::vector<std::uint32_t>& mark, std::uint32_t stamp,
                                  const std::vector<bool>* skip, std::vector<bool>* walked, Take&& take) const {
  std::size_t work = 0;
  std::vector<std::size_t> ordered{root}, level{root};
  mark[root] = stamp;
  for (auto& c : groups_[root].children) {
    std::size_t ci = group_index_.at(c);
    ++work;
    if (mark[ci] == stamp || (skip && (*skip)[ci])) continue;
    mark[ci] = stamp;
    ordered.push_back(ci);
    level.push_back(ci);
  }
  // The root's children are listed already: the walk below starts from them.
  level.erase(level.begin());
  while (!level.empty()) {
    std::vector<std::size_t> next;
    for (std::size_t gi : level)
      for (auto& c : groups_[gi].children) {
        std::size_t ci = group_index_.at(c);
        ++work;
        if (mark[ci] == stamp || (skip && (*skip)[ci])) continue;
        mark[ci] = stamp;
        ordered.push_back(ci);
        next.push_back(ci);
      }
    level = std::move(next);
  }
  for (std::size_t gi : ordered) {
    if (walked) (*walked)[gi] = true;
    for (auto& h : groups_[gi].hosts) {
      ++work;
      take(host_index_.at(h));
    }
  }
  return work;
}

std::vector<const Host*> Inventory::hosts_of(const std::vector<const Group*>& groups) const {
  std::vector<std::uint32_t> mark(groups_.size());
  std::vector<bool> walked(groups_.size()), member(hosts_.size());
  std::vector<const Host*> out;
  std::uint32_t stamp = 0;
  for (const Group* g : groups) {
    std::size_t gi = group_index_.at(g->name);
    if (walked[gi]) continue;
    walk_group(gi, mark, ++stamp, &walked, &walked, [&](std::size_t hi) {
      if (!member[hi]) {
        member[hi] = true;
        out.push_back(&hosts_[hi]);
      }
    });
  }
  return out;
}

Result<std::vector<const Host*>> Inventory::hosts_of_each(const std::vector<const Group*>& groups,
                                                          std::size_t budget) const {
  std::vector<std::uint32_t> mark(groups_.size()), host_mark(hosts_.size());
  std::vector<const Host*> out;
  std::uint32_t stamp = 0;
  std::size_t work = 0;
  for (const Group* g : groups) {
    ++stamp;
    work += walk_group(group_index_.at(g->name), mark, stamp, nullptr, nullptr, [&](std::size_t hi) {
      if (host_mark[hi] != stamp) {
        host_mark[hi] = stamp;
        out.push_back(&hosts_[hi]);
      }
    });
    if (work > budget) return bad_input("the groups it names are too many and too deep to pick hosts from by position");
  }
  return out;
}

json::object Inventory::ansible_list() const {
  json::object out;
  std::set<std::string> seen{"all"};
  std::vector<const Group*> todo{find_group("all")};
  while (!todo.empty()) {
    const Group& g = *todo.back();
    todo.pop_back();
    json::object entry;
    if (g.name != "all" && !g.hosts.empty()) entry["hosts"] = string_array(g.hosts);
    if (!g.children.empty()) entry["children"] = string_array(g.children);
    if (!entry.empty()) out[g.name] = std::move(entry);
    for (auto& c : g.children)
      if (seen.insert(c).second) todo.push_back(find_group(c));
  }
  json::object hostvars;
  for (auto& h : hosts_)
    if (!h.vars.empty()) hostvars[h.name] = h.vars;
  out["_meta"] = json::object{{"hostvars", std::move(hostvars)}};
  return out;
}

}  // namespace responder::inventory
