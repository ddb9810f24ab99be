// The value types a playbook variable or module parameter can declare, and
// the check that a JSON value is of that type.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "responder/json.h"
#include "responder/result.h"

namespace responder {

enum class TypeKind {
  any,        // anything; the module checks it
  string,
  integer,    // spelled "int"
  boolean,    // spelled "bool"
  ipv4,
  ipv6,
  ip,         // IPv4 or IPv6 address
  cidr,       // IPv4 or IPv6 address or prefix
  ip_range,   // a cidr, or "first-last" addresses of one family; spelled "iprange"
  port,       // 1-65535
  port_range, // "80", "1000-2000" or a port number
  duration,   // see duration.h
  path,       // a non-empty path without NUL
  object,     // a mapping, checked by the module
  list,       // a list of `item`
};

struct ValueType {
  TypeKind kind = TypeKind::any;
  TypeKind item = TypeKind::any;  // for lists

  std::string name() const;  // e.g. "list of cidr"
  friend bool operator==(const ValueType&, const ValueType&) = default;
};

// "int", "cidr", "list", ... ; nullopt when unknown.
std::optional<TypeKind> type_kind_from_name(std::string_view name);
std::string type_kind_name(TypeKind kind);
// The names accepted by type_kind_from_name, for error messages.
std::string type_kind_names();

// Checks `value` against `type`; a list must hold items of `item`. On error
// the message says what was expected and what was found.
Status check_value(const json::value& value, const ValueType& type);

// "expected <what>, found <value>", the value named as a person reads it
// ('text' shortened by in_quotes, "the number 5", "a list", "nothing"): the
// wording of every mismatch between a value and the kind of value wanted.
Error expected_but_found(std::string_view what, const json::value& value);

// True when a value of type `from` is always acceptable where `to` is
// declared (an ipv4 variable fills a cidr parameter, a port fills an int).
bool type_fits(const ValueType& from, const ValueType& to);

// Converts text from the command line (--var K=V) into a value of `type`:
// numbers and booleans are parsed, lists are comma-separated or a YAML flow
// list "[a, b]".
Result<json::value> value_from_text(std::string_view text, const ValueType& type);

}  // namespace responder
