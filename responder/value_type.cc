#include "responder/value_type.h"

#include <charconv>
#include <cstdint>

#include "responder/address.h"
#include "responder/address_range.h"
#include "responder/duration.h"
#include "responder/message_text.h"
#include "responder/port_range.h"

namespace responder {
namespace {

struct KindName { TypeKind kind; const char* name; };
constexpr KindName kKindNames[] = {
    {TypeKind::any, "any"},       {TypeKind::string, "string"},     {TypeKind::integer, "int"},
    {TypeKind::boolean, "bool"},  {TypeKind::ipv4, "ipv4"},         {TypeKind::ipv6, "ipv6"},
    {TypeKind::ip, "ip"},         {TypeKind::cidr, "cidr"},         {TypeKind::ip_range, "iprange"},
    {TypeKind::port, "port"},
    {TypeKind::port_range, "portrange"}, {TypeKind::duration, "duration"}, {TypeKind::path, "path"},
    {TypeKind::object, "object"}, {TypeKind::list, "list"},
};

std::string found(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "nothing";
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "the number " + to_json_text(v);
    case json::kind::string: return in_quotes(v.get_string());
    case json::kind::array: return "a list";
    case json::kind::object: return "a mapping";
  }
  return "a value";
}

std::optional<std::int64_t> as_integer(const json::value& v) {
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= INT64_MAX) return static_cast<std::int64_t>(v.get_uint64());
  return std::nullopt;
}

Status check_scalar(const json::value& v, TypeKind kind) {
  switch (kind) {
    case TypeKind::any: return {};
    case TypeKind::string:
      if (!v.is_string()) return expected_but_found("a string", v);
      return {};
    case TypeKind::integer:
      if (!as_integer(v)) return expected_but_found("a whole number", v);
      return {};
    case TypeKind::boolean:
      if (!v.is_bool()) return expected_but_found("true or false", v);
      return {};
    case TypeKind::ipv4:
    case TypeKind::ipv6:
    case TypeKind::ip:
    case TypeKind::cidr: {
      if (!v.is_string()) return expected_but_found(kind == TypeKind::cidr ? "an address or CIDR prefix" : "an IP address", v);
      std::string_view text = v.get_string();
      if (kind == TypeKind::cidr) {
        auto r = parse_cidr(text);
        if (!r) return r.error();
        return {};
      }
      auto r = kind == TypeKind::ipv4 ? parse_ipv4(text) : kind == TypeKind::ipv6 ? parse_ipv6(text) : parse_ip(text);
      if (!r) return r.error();
      return {};
    }
    case TypeKind::ip_range: {
      if (!v.is_string()) return expected_but_found("an address, CIDR prefix or range like 192.0.2.10-192.0.2.20", v);
      auto r = parse_address_range(v.get_string());
      if (!r) return r.error();
      return {};
    }
    case TypeKind::port:
      if (!v.is_int64() && !v.is_uint64()) return expected_but_found("a port number (1-65535)", v);
      [[fallthrough]];
    case TypeKind::port_range: {
      auto r = parse_port_range(v);
      if (!r) return r.error();
      return {};
    }
    case TypeKind::duration: {
      auto r = duration_from_json(v);
      if (!r) return r.error();
      return {};
    }
    case TypeKind::path: {
      if (!v.is_string() || v.get_string().empty()) return expected_but_found("a path", v);
      if (std::string_view(v.get_string()).find('\0') != std::string_view::npos)
        return bad_input("a path may not contain a NUL byte");
      return {};
    }
    case TypeKind::object:
      if (!v.is_object()) return expected_but_found("a mapping", v);
      return {};
    case TypeKind::list:
      if (!v.is_array()) return expected_but_found("a list", v);
      return {};
  }
  return {};
}

}  // namespace

Error expected_but_found(std::string_view what, const json::value& value) {
  return bad_input("expected " + std::string(what) + ", found " + found(value));
}

std::optional<TypeKind> type_kind_from_name(std::string_view name) {
  for (auto& k : kKindNames)
    if (name == k.name) return k.kind;
  return std::nullopt;
}

std::string type_kind_name(TypeKind kind) {
  for (auto& k : kKindNames)
    if (kind == k.kind) return k.name;
  return "?";
}

std::string type_kind_names() {
  std::string out;
  for (auto& k : kKindNames) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

std::string ValueType::name() const {
  if (kind == TypeKind::list) return "list of " + type_kind_name(item);
  return type_kind_name(kind);
}

Status check_value(const json::value& value, const ValueType& type) {
  if (type.kind != TypeKind::list) return check_scalar(value, type.kind);
  if (!value.is_array()) return expected_but_found("a list of " + type_kind_name(type.item), value);
  const auto& items = value.get_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto s = check_scalar(items[i], type.item); !s)
      return bad_input("item " + std::to_string(i + 1) + ": " + s.error().message);
  }
  return {};
}

namespace {
bool kind_fits(TypeKind from, TypeKind to) {
  if (from == to || to == TypeKind::any) return true;
  switch (to) {
    case TypeKind::string: return from != TypeKind::object && from != TypeKind::list && from != TypeKind::integer &&
                                  from != TypeKind::boolean && from != TypeKind::port;
    case TypeKind::ip: return from == TypeKind::ipv4 || from == TypeKind::ipv6;
    case TypeKind::cidr: return from == TypeKind::ipv4 || from == TypeKind::ipv6 || from == TypeKind::ip;
    case TypeKind::ip_range:
      return from == TypeKind::ipv4 || from == TypeKind::ipv6 || from == TypeKind::ip || from == TypeKind::cidr;
    case TypeKind::integer: return from == TypeKind::port;
    case TypeKind::port_range: return from == TypeKind::port;
    case TypeKind::path: return from == TypeKind::string;
    default: return false;
  }
}
}  // namespace

bool type_fits(const ValueType& from, const ValueType& to) {
  if (to.kind == TypeKind::any || from.kind == TypeKind::any) return true;
  if (to.kind == TypeKind::list) {
    if (from.kind == TypeKind::list) return kind_fits(from.item, to.item);
    return false;
  }
  if (from.kind == TypeKind::list) return false;
  return kind_fits(from.kind, to.kind);
}

namespace {
Result<json::value> scalar_from_text(std::string_view text, TypeKind kind) {
  json::value v;
  switch (kind) {
    case TypeKind::integer:
    case TypeKind::port: {
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        return bad_input(in_quotes(text) + " is not a whole number");
      v = n;
      break;
    }
    case TypeKind::boolean:
      if (text == "true" || text == "yes" || text == "1") v = true;
      else if (text == "false" || text == "no" || text == "0") v = false;
      else return bad_input(in_quotes(text) + " is not true or false");
      break;
    default:
      v = json::string(text);
  }
  if (auto s = check_scalar(v, kind); !s) return s.error();
  return v;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() >= 2 && ((s.front() == '"' && s.back() == '"') || (s.front() == '\'' && s.back() == '\'')))
    s = s.substr(1, s.size() - 2);
  return s;
}
}  // namespace

Result<json::value> value_from_text(std::string_view text, const ValueType& type) {
  if (type.kind != TypeKind::list) {
    if (type.kind == TypeKind::any || type.kind == TypeKind::object) return json::value(json::string(text));
    return scalar_from_text(text, type.kind);
  }
  std::string_view body = trim(text);
  if (body.size() >= 2 && body.front() == '[' && body.back() == ']') body = body.substr(1, body.size() - 2);
  json::array items;
  while (!trim(body).empty()) {
    auto comma = body.find(',');
    auto piece = trim(body.substr(0, comma));
    auto item = scalar_from_text(piece, type.item);
    if (!item) return bad_input("item " + std::to_string(items.size() + 1) + ": " + item.error().message);
    items.push_back(std::move(*item));
    if (comma == std::string_view::npos) break;
    body.remove_prefix(comma + 1);
  }
  return json::value(std::move(items));
}

}  // namespace responder
