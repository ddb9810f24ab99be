#include "responder/status_section.h"

namespace responder {
namespace {
std::vector<StatusSection>& sections() {
  static std::vector<StatusSection> all;
  return all;
}
}  // namespace

StatusSectionRegistration::StatusSectionRegistration(StatusSection section) { sections().push_back(std::move(section)); }

const std::vector<StatusSection>& registered_status_sections() { return sections(); }

}  // namespace responder
