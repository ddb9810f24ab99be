// A step request, any bytes, as the far side's `responder step` reads it
// from standard input; and a far side's answer, as the controller reads it
// from a host that may be compromised.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "responder/targets/step_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  responder::json::value value;
  try {
    value = responder::parse_json(text);
  } catch (const std::exception&) {
    return 0;
  }
  if (auto request = responder::targets::request_from_json(value))
    (void)responder::targets::request_to_json(*request);
  if (auto answer = responder::targets::answer_from_json(value)) (void)responder::targets::answer_to_json(*answer);
  return 0;
}
