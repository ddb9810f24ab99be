// What a host's dpkg-query printed (host_package.h), any bytes: on a
// compromised host the output is the attacker's. read_dpkg_query must never
// crash, and never call a package installed without a version line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "release/host_package.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto found = responder::release::read_dpkg_query(text);
  if (found.installed && found.present) std::abort();
  if ((found.installed || found.present) && text.find('\t') == std::string_view::npos) std::abort();
  return 0;
}
