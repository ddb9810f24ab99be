#include "release/compliance_table.h"

#include <algorithm>
#include <map>

namespace responder::release {
namespace {

std::string field(const json::value& row, std::string_view key) {
  if (!row.is_object()) return "";
  auto* v = row.get_object().if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

std::vector<std::string> compliance_lines(const json::array& rows) {
  std::vector<std::string> lines;
  if (rows.empty()) return lines;
  std::size_t width = 4;
  std::map<std::string, int> counts;
  for (auto& r : rows) {
    width = std::max(width, field(r, "host").size());
    ++counts[field(r, "state")];
  }
  lines.push_back("patch compliance:");
  std::string step;
  for (auto& r : rows) {
    if (field(r, "step") != step) {
      step = field(r, "step");
      lines.push_back("  " + step + ":");
    }
    std::string host = field(r, "host");
    std::string version = field(r, "version").empty() ? field(r, "version_before") : field(r, "version");
    std::string line = "    " + host + std::string(width - host.size() + 2, ' ') + field(r, "state");
    if (!version.empty()) line += "  " + version;
    if (!field(r, "time").empty()) line += "  " + field(r, "time");
    if (!field(r, "detail").empty() && field(r, "detail") != field(r, "state")) line += "  " + field(r, "detail");
    lines.push_back(line);
  }
  std::string summary;
  for (auto& [state, n] : counts) summary += (summary.empty() ? "  " : ", ") + std::to_string(n) + " " + state;
  lines.push_back(summary);
  return lines;
}

std::size_t hosts_waiting(const json::array& rows) {
  return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [](const json::value& r) {
    auto state = field(r, "state");
    return state == "pending" || state == "installing";
  }));
}

std::size_t hosts_in(const json::array& rows, std::string_view state) {
  return static_cast<std::size_t>(
      std::count_if(rows.begin(), rows.end(), [&](const json::value& r) { return field(r, "state") == state; }));
}

}  // namespace responder::release
