#include "responder/duration.h"

#include <cctype>
#include <cstdint>

#include "responder/message_text.h"
#include "responder/value_type.h"

namespace responder {

Result<Duration> parse_duration(std::string_view text) {
  auto bad = [&](std::string why) {
    return bad_input(in_quotes(text) + " is not a duration (" + why + "; e.g. 30s, 5m, 1h30m)");
  };
  if (text.empty()) return bad("empty");
  std::int64_t total_ms = 0;
  std::size_t i = 0;
  bool bare_number_only = true;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return bad("expected a number");
    std::int64_t number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i] - '0');
      if (number > 100'000'000'000LL) return bad("too large");
      ++i;
    }
    std::size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    std::int64_t scale;
    if (unit.empty()) {
      if (i != text.size() || !bare_number_only) return bad("missing unit");
      scale = 1000;
    } else if (unit == "ms") {
      scale = 1;
    } else if (unit == "s") {
      scale = 1000;
    } else if (unit == "m") {
      scale = 60'000;
    } else if (unit == "h") {
      scale = 3'600'000;
    } else if (unit == "d") {
      scale = 86'400'000;
    } else {
      return bad("unknown unit " + in_quotes(unit));
    }
    bare_number_only = false;
    total_ms += number * scale;
    if (total_ms > 100LL * 365 * 86'400'000) return bad("longer than 100 years");
  }
  return Duration(total_ms);
}

Result<Duration> duration_from_json(const json::value& value) {
  if (value.is_string()) return parse_duration(value.get_string());
  // A number of seconds is read as its text is, so that the limits agree.
  if (value.is_uint64() || (value.is_int64() && value.get_int64() >= 0)) return parse_duration(to_json_text(value));
  return expected_but_found("a duration like 30s or 5m", value);
}

Result<std::optional<Duration>> duration_param(const json::object& params, std::string_view name) {
  auto* value = params.if_contains(name);
  if (!value || value->is_null()) return std::optional<Duration>{};
  auto duration = duration_from_json(*value);
  if (!duration) return duration.error();
  return std::optional<Duration>{*duration};
}

Result<Duration> duration_param(const json::object& params, std::string_view name, Duration fallback) {
  auto duration = duration_param(params, name);
  if (!duration) return duration.error();
  return duration->value_or(fallback);
}

std::string format_duration(Duration duration) {
  auto ms = duration.count();
  if (ms == 0) return "0s";
  std::string out;
  struct Unit { std::int64_t size; const char* name; };
  for (Unit unit : {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1000, "s"}, Unit{1, "ms"}}) {
    if (ms >= unit.size) {
      out += std::to_string(ms / unit.size) + unit.name;
      ms %= unit.size;
    }
  }
  return out;
}

}  // namespace responder
