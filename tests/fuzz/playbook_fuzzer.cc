// Playbook loader and validator: any bytes as a playbook file. Every input
// must end in diagnostics or a playbook, never a crash, a hang or a leak;
// a playbook that loads must say where each problem is (non-empty file).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "responder/playbook_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > responder::kMaxPlaybookBytes) return -1;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto loaded = responder::load_playbook_text(text, "fuzz.yaml");
  for (auto& diagnostic : loaded.diagnostics) {
    std::string line = diagnostic.format();
    if (line.empty()) std::abort();
  }
  if (loaded.playbook && responder::has_errors(loaded.diagnostics)) std::abort();
  return 0;
}
