// What Ansible wrote back for an exported release (ansible_import.h), any
// bytes, as `responder release import` reads a results file that may come
// from anywhere: every accepted result must name the export's incident,
// step, artifact and one of its hosts, with a known state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "release/ansible_import.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace responder::release;
  static const ExportCheck check{"INC-1", "patch", std::string(64, 'a'), {"web01", "web02"}};
  std::string text(reinterpret_cast<const char*>(data), size);
  auto results = parse_ansible_results(text, check, "results.json");
  if (!results) return 0;
  for (auto& r : *results)
    if (!check.hosts.count(r.host) || r.state.empty()) std::abort();
  return 0;
}
