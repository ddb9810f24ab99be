// Reading release.push's parameters and receipts: a text field, or an argv
// list, with anything of another type read as absent (the schema and the
// receipt's writer decide the types; these never throw).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "responder/json.h"

namespace responder::release {

inline std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::vector<std::string> argv_of(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = o.if_contains(key); v && v->is_array())
    for (auto& item : v->get_array())
      if (item.is_string()) out.emplace_back(item.get_string());
  return out;
}

}  // namespace responder::release
