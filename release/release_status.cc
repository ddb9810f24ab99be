// `responder status`: the patch-compliance table of the incident's
// releases (patch_compliance.h), one line per host.
#include "release/compliance_table.h"
#include "responder/incident_home.h"
#include "responder/report/patch_compliance.h"
#include "responder/status_section.h"

namespace responder::release {
namespace {

json::value describe(const LoadedIncident& incident, std::vector<std::string>& lines) {
  json::array rows = patch_compliance_rows(incident.contents);
  if (rows.empty()) return nullptr;
  lines = compliance_lines(rows);
  return rows;
}

const StatusSectionRegistration registration{{"patch_compliance", describe}};

}  // namespace
}  // namespace responder::release
