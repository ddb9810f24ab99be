#include "notify/channels/retry_after.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <string>

namespace responder::notify {
namespace {

constexpr std::chrono::seconds kLongestWait = std::chrono::hours(24);

int month_number(const char* name) {
  static constexpr std::array<const char*, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i)
    if (std::string_view(name) == months[i]) return i;
  return -1;
}

// Seconds since the epoch for a UTC calendar time, or nullopt when any
// field is out of range. timegm would normalise 31 February silently.
std::optional<std::int64_t> utc_seconds(int year, int month, int day, int hour, int minute, int second) {
  static constexpr std::array<int, 12> days_in_month{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (year < 1900 || year > 9999 || month < 0 || month > 11 || day < 1 || day > days_in_month[month] || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t t = ::timegm(&tm);
  if (tm.tm_mday != day) return std::nullopt;  // 29 February of a common year
  return static_cast<std::int64_t>(t);
}

std::optional<std::int64_t> http_date(const std::string& text, std::chrono::system_clock::time_point now) {
  char weekday[16] = {}, month[4] = {}, zone[4] = {};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0, used = 0;
  // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
  if (std::sscanf(text.c_str(), "%3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d %3[A-Z]%n", weekday, &day, month, &year,
                  &hour, &minute, &second, zone, &used) == 8 &&
      used == static_cast<int>(text.size()) && std::string_view(zone) == "GMT")
    return utc_seconds(year, month_number(month), day, hour, minute, second);
  // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT (two-digit years: RFC 9110 says
  // a year more than 50 years ahead is in the past century)
  used = 0;
  if (std::sscanf(text.c_str(), "%15[A-Za-z], %2d-%3[A-Za-z]-%2d %2d:%2d:%2d %3[A-Z]%n", weekday, &day, month, &year,
                  &hour, &minute, &second, zone, &used) == 8 &&
      used == static_cast<int>(text.size()) && std::string_view(zone) == "GMT") {
    std::time_t today_seconds = std::chrono::system_clock::to_time_t(now);
    std::tm today{};
    ::gmtime_r(&today_seconds, &today);
    int this_year = today.tm_year + 1900;
    int full = this_year / 100 * 100 + year;
    if (full > this_year + 50) full -= 100;
    return utc_seconds(full, month_number(month), day, hour, minute, second);
  }
  // asctime: Sun Nov  6 08:49:37 1994
  used = 0;
  if (std::sscanf(text.c_str(), "%3[A-Za-z] %3[A-Za-z] %2d %2d:%2d:%2d %4d%n", weekday, month, &day, &hour, &minute,
                  &second, &year, &used) == 7 &&
      used == static_cast<int>(text.size()))
    return utc_seconds(year, month_number(month), day, hour, minute, second);
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > kLongestWait.count()) return std::chrono::duration_cast<std::chrono::milliseconds>(kLongestWait);
    }
    return std::chrono::milliseconds(seconds * 1000);
  }
  auto when = http_date(std::string(value), now);
  if (!when) return std::nullopt;
  // Compared in seconds first: a date far from now (year 4526, year 1) does
  // not fit the clock's nanoseconds.
  auto now_seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (*when <= now_seconds) return std::chrono::milliseconds(0);
  if (*when - now_seconds > std::chrono::duration_cast<std::chrono::seconds>(kLongestWait).count() + 1)
    return std::chrono::duration_cast<std::chrono::milliseconds>(kLongestWait);
  auto wait = std::chrono::system_clock::time_point(std::chrono::seconds(*when)) - now;
  if (wait <= wait.zero()) return std::chrono::milliseconds(0);
  if (wait > kLongestWait) return std::chrono::duration_cast<std::chrono::milliseconds>(kLongestWait);
  return std::chrono::ceil<std::chrono::milliseconds>(wait);
}

}  // namespace responder::notify
