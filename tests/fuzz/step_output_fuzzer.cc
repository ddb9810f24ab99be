// What a far side writes on standard output, any bytes, as the controller
// reads it from a host that may be compromised: JSON lines and evidence
// frames (step_output_reader.h), fed in pieces of any size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "responder/targets/step_output_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte sets the size of the pieces the output arrives in.
  std::size_t piece = 1 + data[0];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::size_t line_bytes = 0, frame_bytes = 0;
  responder::targets::StepOutputReader reader(
      [&](std::string_view line) { line_bytes += line.size() + 1; },
      [&](std::uint64_t, std::string_view bytes) { frame_bytes += bytes.size(); }, 4096);
  bool ok = true;
  for (std::size_t at = 0; ok && at < text.size(); at += piece) ok = reader.feed(text.substr(at, piece));
  if (ok) reader.finish();
  // Nothing is delivered that was not read.
  if (frame_bytes > text.size() || line_bytes > text.size() + 1) std::abort();
  return 0;
}
