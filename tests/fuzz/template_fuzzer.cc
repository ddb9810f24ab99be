// `{{ ... }}` templates: the input is step parameters, either a JSON value
// (when it parses as one: lists to splice, mappings to walk) or one string,
// substituted against a fixed scope. Every template found must lie inside
// the text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "responder/json.h"
#include "responder/template.h"

namespace {

const responder::json::object& scope() {
  static const auto object = responder::parse_json(R"({
    "finding": {"kind": "ddos", "sources": ["192.0.2.1", "198.51.100.7"], "score": 7.5, "port": 443,
                "nested": {"list": [[1, 2], {"a": null}]}, "flag": true, "none": null},
    "incident": {"id": "IR-2026-001"}, "addresses": ["203.0.113.5"], "empty": "", "count": 3
  })").as_object();
  return object;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return -1;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto& use : responder::find_templates(text))
    if (use.offset >= text.size()) std::abort();
  (void)responder::substitute(responder::json::value(responder::json::string(text)), scope());
  responder::json::value parameters;
  try {
    parameters = responder::parse_json(text);
  } catch (const std::exception&) {
    return 0;
  }
  (void)responder::substitute(parameters, scope());
  return 0;
}
