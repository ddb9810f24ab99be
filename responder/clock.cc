#include "responder/clock.h"

#include <cstdio>
#include <ctime>

namespace responder {

std::string format_rfc3339(SystemTime time) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  if (ms % 1000 < 0) --seconds;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(((ms % 1000) + 1000) % 1000));
  return buffer;
}

std::string now_rfc3339() { return format_rfc3339(std::chrono::system_clock::now()); }

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string format_unix_ms(std::int64_t ms) {
  return format_rfc3339(SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::milliseconds(ms))));
}

Result<SystemTime> parse_rfc3339(std::string_view text) {
  auto bad = [&] {
    return bad_input("'" + std::string(text) + "' is not an RFC 3339 time like 2026-11-23T18:00:00Z");
  };
  std::tm tm{};
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, &consumed) != 6)
    return bad();
  if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60)
    return bad();
  std::size_t i = static_cast<std::size_t>(consumed);
  long millis = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3) millis = millis * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return bad();
    for (; digits < 3; ++digits) millis *= 10;
  }
  long offset_seconds = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int hours = 0, minutes = 0;
    if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &hours, &minutes) != 2) return bad();
    offset_seconds = (hours * 3600L + minutes * 60L) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return bad();
  }
  if (i != s.size()) return bad();
  // What system_clock (nanoseconds in 64 bits) can hold: 1678 to 2261.
  if (tm.tm_year < 1678 || tm.tm_year > 2261) return bad();
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::time_t seconds = timegm(&tm) - offset_seconds;
  return SystemTime(std::chrono::seconds(seconds)) + std::chrono::milliseconds(millis);
}

std::optional<std::int64_t> rfc3339_to_unix_ms(std::string_view text) {
  auto t = parse_rfc3339(text);
  if (!t) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
}

}  // namespace responder
