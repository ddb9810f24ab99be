#include "containment/firewall/firewall_params.h"

#include <netinet/in.h>

#include <algorithm>
#include <cstdio>

#include "responder/duration.h"

namespace responder::firewall {

Result<std::optional<std::chrono::seconds>> whole_seconds_param(const json::object& params, std::string_view name) {
  auto duration = duration_param(params, name);
  if (!duration) return duration.error();
  if (!*duration) return std::optional<std::chrono::seconds>{};
  auto seconds = std::chrono::ceil<std::chrono::seconds>(**duration);
  if (seconds.count() <= 0) return bad_input(std::string(name) + " must be at least one second");
  return std::optional<std::chrono::seconds>{seconds};
}

Result<std::vector<PortRange>> ports_param(const json::value& ports) {
  std::vector<PortRange> out;
  for (auto& p : ports.as_array()) {
    auto range = parse_port_range(p);
    if (!range) return range.error();
    out.push_back(*range);
  }
  // Overlapping port ranges would be overlapping interval elements.
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<PortRange> joined;
  for (auto& r : out) {
    if (!joined.empty() && r.first <= joined.back().last + 1) joined.back().last = std::max(joined.back().last, r.last);
    else joined.push_back(r);
  }
  return joined;
}

std::vector<std::string> protocols_param(const json::object& params) {
  std::string p = params.if_contains("protocol") ? std::string(params.at("protocol").as_string()) : "both";
  if (p == "both") return {"tcp", "udp"};
  return {p};
}

json::value nft_port(const PortRange& range) {
  if (range.first == range.last) return range.first;
  return json::object{{"range", json::array{range.first, range.last}}};
}

std::vector<AddressRange> protected_ranges(const SafetyRules* safety, int family) {
  std::vector<AddressRange> out;
  if (!safety) return out;
  for (auto& m : safety->management)
    if (m.network.family == family) out.push_back(range_of(m));
  if (safety->own_ssh_peer && safety->own_ssh_peer->family == family) out.push_back(range_of(*safety->own_ssh_peer));
  return merged(std::move(out));
}

std::string protection_touching(const SafetyRules* safety, const AddressRange& range) {
  if (!safety) return "";
  if (range.single()) return safety->protection_covering(Cidr{range.first, range.first.bit_length()});
  for (auto& prefix : prefixes_of(range))
    if (auto p = safety->protection_covering(prefix); !p.empty()) return p;
  return "";
}

std::string step_tag(const std::string& prefix, const StepContext& context) {
  // FNV-1a, 64 bit: stable across builds and machines, unlike std::hash.
  std::uint64_t h = 14695981039346656037ull;
  for (char c : context.incident_id + "/" + context.step_id) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return prefix + "_" + std::string(hex, 8);
}

}  // namespace responder::firewall
