#include "forensics/traffic/traffic_finding.h"

#include <algorithm>
#include <iomanip>
#include <sstream>

namespace responder::traffic {
namespace {

json::array address_list(const std::vector<PacketAddress>& list) {
  json::array out;
  for (auto& a : list) out.emplace_back(a.to_string());
  return out;
}

json::array port_list(const std::vector<std::uint16_t>& list) {
  json::array out;
  for (auto p : list) out.emplace_back(p);
  return out;
}

// "80,443" or "0-1000" style, shortened for a terminal column.
std::string port_text(const std::vector<std::uint16_t>& ports) {
  if (ports.empty()) return "-";
  std::string out;
  std::size_t i = 0;
  int groups = 0;
  while (i < ports.size()) {
    std::size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    if (!out.empty()) out += ",";
    if (++groups > 4) {
      out += "...(" + std::to_string(ports.size()) + " ports)";
      break;
    }
    out += std::to_string(ports[i]);
    if (j > i) out += "-" + std::to_string(ports[j]);
    i = j + 1;
  }
  return out;
}

std::string address_text(const std::vector<PacketAddress>& list, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < list.size() && i < limit; ++i) out += (i ? "," : "") + list[i].to_string();
  if (list.size() > limit) out += ",...(" + std::to_string(list.size()) + ")";
  return out;
}

}  // namespace

json::object Finding::to_json() const {
  json::object out;
  out["kind"] = kind;
  json::array attack_list;
  for (auto& a : attacks) {
    json::object o;
    o["type"] = a.type;
    o["protocol"] = a.protocol;
    if (!a.technique.empty()) o["technique"] = a.technique;
    o["ports"] = port_list(a.ports);
    o["sources"] = address_list(a.sources);
    if (!a.reflectors.empty()) o["reflectors"] = address_list(a.reflectors);
    o["targets"] = address_list(a.targets);
    o["distinct_sources"] = a.distinct_sources;
    o["distributed"] = a.distributed;
    o["spoofed"] = a.spoofed;
    o["packets"] = a.packets;
    for (auto& [k, v] : a.numbers) o[k] = v;
    o["summary"] = a.summary;
    o["signature"] = a.signature;
    attack_list.push_back(std::move(o));
  }
  out["attacks"] = std::move(attack_list);
  out["sources"] = address_list(sources);
  out["targets"] = address_list(targets);
  out["ports"] = port_list(ports);
  out["protocol"] = protocol;
  out["recommendation"] = recommendation;
  out["signature"] = signature;
  if (!signature_error.empty()) out["signature_error"] = signature_error;
  json::array why;
  for (auto& r : reasoning) why.emplace_back(r);
  out["reasoning"] = std::move(why);
  out["capture"] = capture;
  return out;
}

std::string Finding::to_table() const {
  std::ostringstream s;
  s << "kind            " << kind << "\n";
  s << "recommendation  " << recommendation;
  if (recommendation == "limit-port" || recommendation == "block-source-port")
    s << " (" << (protocol.empty() ? "ip" : protocol) << " " << (recommendation == "block-source-port" ? "source " : "")
      << "port " << port_text(ports) << ")";
  s << "\n";
  s << "sources         " << (sources.empty() ? std::string(attacks.empty() ? "-" : "none worth blocking") : address_text(sources, 8))
    << "\n";
  s << "targets         " << (targets.empty() ? "-" : address_text(targets, 8)) << "\n";
  s << "signature       " << (signature.empty() ? "-" : signature) << "\n";
  if (!signature_error.empty()) s << "signature error " << signature_error << "\n";
  if (!attacks.empty()) {
    s << "\n" << std::left << std::setw(20) << "ATTACK" << std::setw(6) << "PROTO" << std::setw(22) << "PORTS"
      << std::right << std::setw(10) << "PACKETS" << std::setw(10) << "SOURCES" << "  " << std::left << "TARGETS\n";
    for (auto& a : attacks) {
      std::string src = std::to_string(a.distinct_sources) + (a.spoofed ? "*" : "");
      s << std::left << std::setw(20) << a.type << std::setw(6) << a.protocol << std::setw(22) << port_text(a.ports)
        << std::right << std::setw(10) << a.packets << std::setw(10) << src << "  " << std::left
        << address_text(a.targets, 3) << "\n";
    }
    if (std::any_of(attacks.begin(), attacks.end(), [](const Attack& a) { return a.spoofed; }))
      s << "(* sources look spoofed)\n";
  }
  s << "\nreasoning:\n";
  for (auto& r : reasoning) s << "  - " << r << "\n";
  for (auto& a : attacks) s << "  - " << a.type << ": " << a.summary << "\n";
  if (auto* packets = capture.if_contains("packets")) {
    s << "\ncapture: " << display(*packets) << " packets";
    if (auto* d = capture.if_contains("duration_s"); d && d->is_double()) s << " over " << std::fixed << std::setprecision(3) << d->as_double() << " s";
    if (auto* d = capture.if_contains("distinct_sources")) s << ", ~" << display(*d) << " distinct sources";
    s << "\n";
  }
  return s.str();
}

}  // namespace responder::traffic
