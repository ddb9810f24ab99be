// The inventory model: hosts and groups as Ansible's inventory holds them,
// built by the INI and YAML loaders (inventory_loader.h) and read by host
// patterns (host_pattern.h) and the executors (host_reach.h).
//
// The rules are Ansible's (lib/ansible/inventory/data.py, group.py, host.py):
// implicit groups `all` and `ungrouped`; every group without a parent becomes
// a child of `all`; a host in no group but `all` is in `ungrouped`; a host's
// effective variables are `all`'s, then its other groups' sorted by (depth,
// ansible_group_priority, name), then its own, each replacing the previous.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "responder/diagnostic.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder::inventory {

// Hosts a set of inventories may hold in total (ranges included): hostile
// or mistaken ranges (`h[0:999999999]`) fail with a message, not with memory.
inline constexpr std::size_t kMaxHosts = 100000;
// Groups a set of inventories may hold in total.
inline constexpr std::size_t kMaxGroups = 10000;
// Group memberships (a host in a group, directly or through children)
// in total: what the effective variables are computed from.
inline constexpr std::size_t kMaxMemberships = 10000000;
// The longest host or group name accepted.
inline constexpr std::size_t kMaxNameLength = 1024;

struct Host {
  std::string name;
  // Effective variables (see above); valid once the inventory is finished.
  json::object vars;
  // Variables set on the host itself (host lines, `hosts:` entries, port).
  json::object own_vars;
  // Every group the host belongs to, directly or through children, `all`
  // included; sorted by precedence (depth, priority, name). Valid once
  // finished.
  std::vector<std::string> groups;
  // The implicit localhost Ansible makes up when `localhost` is named and
  // the inventory does not hold it.
  bool implicit = false;
};

struct Group {
  std::string name;
  std::vector<std::string> hosts;     // direct members, in the order added
  std::vector<std::string> children;  // child groups, in the order added
  std::vector<std::string> parents;
  json::object vars;
  int priority = 1;  // ansible_group_priority
  int depth = 0;     // longest path from `all`; valid once finished
};

// Pointers and references to hosts and groups stay valid as long as the
// inventory lives, moves included; a finished inventory never changes.
class Inventory {
 public:
  Inventory();

  // Building, as the loaders do. Names are used as given (the INI loader
  // makes section names safe first, as Ansible does). Errors are bad input
  // without a location; the loader adds it.
  // Adds the group if absent (never an error for an existing group).
  Status add_group(const std::string& name);
  // Adds the host if absent (in first-seen order) and, when `group` is not
  // empty, makes it a direct member of that existing group.
  Status add_host(const std::string& name, const std::string& group = "");
  // Makes `child` (a group, else a host) a member of `group`. A group made
  // its own child is refused here; longer loops when finishing, named with
  // `where` (the declaration's location, message empty) of the link that
  // closed the loop.
  Status add_child(const std::string& group, const std::string& child, const Diagnostic& where = {});
  // Sets a variable of the group or host named `entity` (group first, as
  // Ansible looks). `ansible_group_priority` on a group sets its priority.
  Status set_variable(const std::string& entity, const std::string& key, json::value value);
  // Hosts still allowed before kMaxHosts is reached.
  std::size_t host_budget() const { return kMaxHosts - hosts_.size(); }

  // Applies Ansible's reconciliation (all/ungrouped) and computes depths,
  // memberships and effective variables. Called once after the last source;
  // the inventory is read-only afterwards. Bad input (also appended to
  // `diagnostics`) when groups form a loop (a group its own ancestor, as
  // Ansible refuses) or memberships exceed kMaxMemberships. Linear in the
  // number of groups, links and memberships.
  Status finish(std::vector<Diagnostic>& diagnostics);

  // Hosts in the order first seen, across all sources.
  const std::vector<Host>& hosts() const { return hosts_; }
  // Groups in the order first seen (`all` and `ungrouped` first).
  const std::vector<Group>& groups() const { return groups_; }
  const Host* find_host(std::string_view name) const;
  const Group* find_group(std::string_view name) const;
  bool is_group(std::string_view name) const { return find_group(name) != nullptr; }
  // Every host in the groups or their descendants, each once, in the order
  // Ansible lists them (a group's own hosts, then its children's, level by
  // level; group after group). Linear in groups, links and hosts.
  std::vector<const Host*> hosts_of(const std::vector<const Group*>& groups) const;
  // Each group's hosts in that order, one group's list after another with
  // a host repeated where two groups hold it: the list Ansible applies a
  // pattern's subscript (`web*[2]`) to. Bad input when the walks would cost
  // more than `budget` links and hosts (a hostile inventory).
  Result<std::vector<const Host*>> hosts_of_each(const std::vector<const Group*>& groups, std::size_t budget) const;
  // The implicit localhost (see Host::implicit); valid once finished.
  const Host& implicit_localhost() const { return *implicit_localhost_; }

  // What `ansible-inventory --list` prints for this inventory: every group
  // reachable from `all` with its `hosts` and `children` (empty ones left
  // out), and `_meta.hostvars` with each host's non-empty effective
  // variables. The parity test compares it with Ansible's own output.
  json::object ansible_list() const;

 private:
  Group* group_named(std::string_view name);
  Host* host_named(std::string_view name);
  struct Link {
    std::size_t parent, child;
    Diagnostic where;
  };

  std::vector<Host> hosts_;
  std::vector<Group> groups_;
  std::map<std::string, std::size_t, std::less<>> host_index_;
  std::map<std::string, std::size_t, std::less<>> group_index_;
  template <class Take>
  std::size_t walk_group(std::size_t root, std::vector<std::uint32_t>& mark, std::uint32_t stamp,
                         const std::vector<bool>* skip, std::vector<bool>* walked, Take&& take) const;
  std::set<std::pair<std::size_t, std::size_t>> direct_members_;  // (group, host)
  std::vector<Link> links_;  // child group links, in the order declared
  // Held apart so that pointers to it, like pointers into hosts_, survive
  // moving the inventory.
  std::shared_ptr<Host> implicit_localhost_ = std::make_shared<Host>();
};

// Ansible's names for the local machine: an inventory need not list them.
bool is_localhost_name(std::string_view name);

}  // namespace responder::inventory
