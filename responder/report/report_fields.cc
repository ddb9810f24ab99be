#include "responder/report/report_fields.h"

#include <cmath>
#include <cstdio>

namespace responder::report_fields {

namespace {
std::optional<double> number(const json::value* v) {
  if (!v) return std::nullopt;
  if (v->is_double()) return v->as_double();
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  return std::nullopt;
}
}  // namespace

std::string joined(const json::array& items, const char* separator) {
  std::string out;
  for (auto& i : items) {
    if (!out.empty()) out += separator;
    out += i.is_string() ? std::string(i.as_string()) : display(i);
  }
  return out;
}

std::string duration_text(const json::value* seconds) {
  auto s = number(seconds);
  if (!s || !std::isfinite(*s) || *s < 0) return "—";
  char out[64];
  if (*s < 60) {
    std::snprintf(out, sizeof out, "%.1f s", *s);
  } else if (*s < 3600) {
    long long whole = static_cast<long long>(*s);
    std::snprintf(out, sizeof out, "%lld min %02lld s", whole / 60, whole % 60);
  } else {
    long long minutes = static_cast<long long>(*s / 60);
    std::snprintf(out, sizeof out, "%lld h %02lld min", minutes / 60, minutes % 60);
  }
  return out;
}

std::string number_text(const json::value* value) {
  auto a = number(value);
  if (!a || !std::isfinite(*a)) return "—";
  char out[64];
  std::snprintf(out, sizeof out, "%.10g", *a);
  return out;
}

std::string money(const json::value* amount) {
  auto a = number(amount);
  if (!a || !std::isfinite(*a)) return "—";
  char out[64];
  std::snprintf(out, sizeof out, "%.2f", *a);
  return out;
}

}  // namespace responder::report_fields
