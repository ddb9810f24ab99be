#include "containment/firewall/firewall_params.h"

#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "responder/duration.h"

namespace responder::firewall {
namespace {

Result<int> port_number(std::string_view text) {
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > 65535)
    return bad_input("not a port: '" + std::string(text) + "'");
  return n;
}

}  // namespace

Result<std::optional<std::chrono::seconds>> duration_param(const json::object& params, const char* name) {
  auto* v = params.if_contains(name);
  if (!v || v->is_null()) return std::optional<std::chrono::seconds>{};
  if (v->is_int64() || v->is_uint64()) return std::optional<std::chrono::seconds>{std::chrono::seconds(v->to_number<std::int64_t>())};
  auto d = parse_duration(v->as_string());
  if (!d) return d.error();
  auto s = std::chrono::ceil<std::chrono::seconds>(*d);
  if (s.count() <= 0) return bad_input(std::string(name) + " must be at least one second");
  return std::optional<std::chrono::seconds>{s};
}

Result<std::vector<PortRange>> ports_param(const json::value& ports) {
  std::vector<PortRange> out;
  for (auto& p : ports.as_array()) {
    if (p.is_int64() || p.is_uint64()) {
      auto n = p.to_number<std::int64_t>();
      if (n < 1 || n > 65535) return bad_input("not a port: " + std::to_string(n));
      out.push_back({static_cast<int>(n), static_cast<int>(n)});
      continue;
    }
    std::string_view text = p.as_string();
    auto dash = text.find('-');
    auto first = port_number(text.substr(0, dash));
    if (!first) return first.error();
    auto last = dash == std::string_view::npos ? first : port_number(text.substr(dash + 1));
    if (!last) return last.error();
    if (*last < *first) return bad_input("port range '" + std::string(text) + "' runs backwards");
    out.push_back({*first, *last});
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
