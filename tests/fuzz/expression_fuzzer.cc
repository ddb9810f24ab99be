// The `when:` language: any text is parsed; what parses is evaluated
// against a fixed scope holding every JSON kind, so comparisons, `in` and
// truthiness meet strings, numbers, lists, mappings and null.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "responder/expression.h"
#include "responder/json.h"

namespace {

const responder::json::object& scope() {
  static const auto object = responder::parse_json(R"({
    "finding": {"kind": "ddos", "sources": ["192.0.2.1", "198.51.100.7"], "score": 7.5, "count": 12,
                "ports": [22, 443], "confirmed": true, "note": null, "tags": {"worm": 1}},
    "incident": {"id": "IR-2026-001", "drill": false},
    "threshold": 10, "name": "", "empty": [], "hosts": {"web": {"up": true}}
  })").as_object();
  return object;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return -1;  // a `when:` is one line; longer inputs only slow the search
  std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = responder::Expression::parse(text);
  if (auto* expression = std::get_if<responder::Expression>(&parsed)) {
    for (auto& name : expression->names()) {
      if (name.offset > text.size()) std::abort();
      (void)name.dotted();
    }
    (void)expression->evaluate([](const std::vector<std::string>& path) { return responder::lookup_path(scope(), path); });
  } else if (std::get<responder::ExpressionError>(parsed).offset > text.size()) {
    std::abort();
  }
  auto reference = responder::parse_reference(text);
  if (auto* name = std::get_if<responder::NameReference>(&reference)) (void)responder::lookup_path(scope(), name->path);
  return 0;
}
