// `responder status`: the patch-compliance table of the incident's
// releases (patch_compliance.h), one line per host.
#include <algorithm>
#include <map>

#include "responder/incident_home.h"
#include "responder/report/patch_compliance.h"
#include "responder/status_section.h"

namespace responder::release {
namespace {

std::string field(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

json::value describe(const LoadedIncident& incident, std::vector<std::string>& lines) {
  json::array rows = patch_compliance_rows(incident.contents);
  if (rows.empty()) return nullptr;
  std::size_t width = 4;
  std::map<std::string, int> counts;
  for (auto& r : rows) {
    width = std::max(width, field(r.as_object(), "host").size());
    ++counts[field(r.as_object(), "state")];
  }
  lines.push_back("patch compliance:");
  std::string step;
  for (auto& r : rows) {
    const json::object& o = r.as_object();
    if (field(o, "step") != step) {
      step = field(o, "step");
      lines.push_back("  " + step + ":");
    }
    std::string host = field(o, "host");
    std::string version = field(o, "version").empty() ? field(o, "version_before") : field(o, "version");
    std::string line = "    " + host + std::string(width - host.size() + 2, ' ') + field(o, "state");
    if (!version.empty()) line += "  " + version;
    if (!field(o, "time").empty()) line += "  " + field(o, "time");
    if (!field(o, "detail").empty() && field(o, "detail") != field(o, "state")) line += "  " + field(o, "detail");
    lines.push_back(line);
  }
  std::string summary = "  ";
  for (auto& [state, n] : counts) summary += (summary.size() > 2 ? ", " : "") + std::to_string(n) + " " + state;
  lines.push_back(summary);
  return rows;
}

const StatusSectionRegistration registration{{"patch_compliance", describe}};

}  // namespace
}  // namespace responder::release
