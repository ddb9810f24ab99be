// Reading the report document in the renderers: a missing or null field
// reads as empty, so a report of a forced, damaged journal still renders.
#pragma once

#include <optional>
#include <string>

#include "responder/json.h"

namespace responder::report_fields {

inline const json::value* field(const json::object& o, std::string_view key) { return o.if_contains(key); }

inline std::string text(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  return display(*v);
}

inline const json::object& object(const json::object& o, std::string_view key) {
  static const json::object empty;
  auto* v = o.if_contains(key);
  return v && v->is_object() ? v->as_object() : empty;
}

inline const json::array& array(const json::object& o, std::string_view key) {
  static const json::array empty;
  auto* v = o.if_contains(key);
  return v && v->is_array() ? v->as_array() : empty;
}

inline bool flag(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_bool() && v->as_bool();
}

// The items as text, `separator` between them (strings as they are).
std::string joined(const json::array& items, const char* separator = "; ");
// A duration in seconds as "2 h 05 min", "3 min 20 s" or "4.2 s".
std::string duration_text(const json::value* seconds);
// A plain number: "3.5", "12", never "3.5E0".
std::string number_text(const json::value* value);
// A money amount with two decimals.
std::string money(const json::value* amount);

}  // namespace responder::report_fields
