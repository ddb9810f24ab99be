#include "release/release_waves.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "responder/clock.h"

namespace responder::release {
namespace {

std::string text_of(const json::object* o, std::string_view key) {
  if (!o) return "";
  auto* v = o->if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// Seconds since the epoch, when the host says when it was last seen.
std::optional<double> last_seen(const PlannedHost& host) {
  if (!host.vars) return std::nullopt;
  auto* v = host.vars->if_contains("last_seen");
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->get_int64());
  if (v->is_uint64()) return static_cast<double>(v->get_uint64());
  if (v->is_double()) return v->get_double();
  if (!v->is_string()) return std::nullopt;
  std::string text(v->get_string());
  if (!text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) && text.size() < 16)
    return std::stod(text);
  auto at = parse_rfc3339(text);
  if (!at) return std::nullopt;
  return std::chrono::duration<double>(at->time_since_epoch()).count();
}

std::string group_of(const PlannedHost& host) {
  if (auto g = text_of(host.vars, "release_group"); !g.empty()) return g;
  return text_of(host.detail, "os");
}

// One wave size, of `left` hosts: a count, or a percentage rounded up (as
// Ansible rounds `serial` percentages down, but never to 0).
Result<std::size_t> wave_size(const json::value& entry, std::size_t left) {
  if (entry.is_int64() && entry.get_int64() > 0) return static_cast<std::size_t>(entry.get_int64());
  if (entry.is_string()) {
    std::string text(entry.get_string());
    if (text.size() >= 2 && text.back() == '%') {
      std::string number = text.substr(0, text.size() - 1);
      if (!number.empty() && number.size() <= 3 && std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        int pct = std::stoi(number);
        if (pct >= 1 && pct <= 100)
          return std::max<std::size_t>(1, static_cast<std::size_t>(std::floor(static_cast<double>(left) * pct / 100.0)));
      }
    }
  }
  return bad_input("release.push: each of `waves` is a count of hosts (5) or a percentage (\"25%\"), not " + to_json_text(entry));
}

}  // namespace

Result<std::vector<HostBatch>> release_waves(const json::value* canary, const json::value* waves,
                                             const std::vector<PlannedHost>& hosts) {
  std::vector<HostBatch> batches;
  HostBatch unchanged{"hosts needing nothing", {}, false};
  std::vector<std::size_t> to_patch;
  for (std::size_t i = 0; i < hosts.size(); ++i) (hosts[i].changes ? to_patch : unchanged.hosts).push_back(i);
  if (!unchanged.hosts.empty()) batches.push_back(std::move(unchanged));

  std::set<std::size_t> chosen;
  HostBatch first{"canary", {}, true};
  if (canary && canary->is_array()) {
    std::set<std::string> named;
    for (auto& n : canary->get_array()) {
      if (!n.is_string()) return bad_input("release.push: `canary` is a number per group of hosts or a list of host names");
      named.insert(std::string(n.get_string()));
    }
    std::set<std::string> known;
    for (auto& h : hosts) known.insert(h.name);
    for (auto& n : named)
      if (!hosts.empty() && !known.count(n))
        return bad_input("release.push: canary host " + n +
                         " is not among the hosts planned now (misspelled, or not reached): no release without its canary");
    for (std::size_t i : to_patch)
      if (named.count(hosts[i].name)) first.hosts.push_back(i);
  } else {
    std::int64_t per_group = 1;
    if (canary && !canary->is_null()) {
      if (!canary->is_int64() || canary->get_int64() < 0 || canary->get_int64() > 1000)
        return bad_input("release.push: `canary` is a number per group of hosts (0: none) or a list of host names");
      per_group = canary->get_int64();
    }
    std::map<std::string, std::vector<std::size_t>> groups;
    std::vector<std::string> group_order;
    for (std::size_t i : to_patch) {
      auto g = group_of(hosts[i]);
      if (!groups.count(g)) group_order.push_back(g);
      groups[g].push_back(i);
    }
    for (auto& g : group_order) {
      auto members = groups[g];
      // Most recently seen first; unknown last; ties keep inventory order.
      std::stable_sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
        auto sa = last_seen(hosts[a]), sb = last_seen(hosts[b]);
        if (sa && sb) return *sa > *sb;
        return sa.has_value() && !sb.has_value();
      });
      for (std::size_t k = 0; k < members.size() && static_cast<std::int64_t>(k) < per_group; ++k) first.hosts.push_back(members[k]);
    }
    std::sort(first.hosts.begin(), first.hosts.end());
  }
  chosen.insert(first.hosts.begin(), first.hosts.end());
  if (!first.hosts.empty()) batches.push_back(std::move(first));

  std::vector<std::size_t> left;
  for (std::size_t i : to_patch)
    if (!chosen.count(i)) left.push_back(i);
  json::array sizes;
  if (waves && !waves->is_null()) {
    if (!waves->is_array() || waves->get_array().empty())
      return bad_input("release.push: `waves` is a list of counts or percentages, e.g. [1, \"25%\", \"100%\"]");
    sizes = waves->get_array();
  } else {
    sizes.push_back(json::string("100%"));
  }
  for (auto& entry : sizes)
    if (auto checked = wave_size(entry, 1); !checked) return checked.error();
  std::size_t total = left.size(), at = 0;
  for (std::size_t w = 0; at < left.size(); ++w) {
    auto size = wave_size(sizes[std::min(w, sizes.size() - 1)], total);
    if (!size) return size.error();
    HostBatch wave{"wave " + std::to_string(w + 1), {}, false};
    for (std::size_t k = 0; k < *size && at < left.size(); ++k) wave.hosts.push_back(left[at++]);
    batches.push_back(std::move(wave));
  }
  return batches;
}

}  // namespace responder::release
