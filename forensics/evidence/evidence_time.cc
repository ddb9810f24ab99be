#include "forensics/evidence/evidence_time.h"

#include <cstdio>

namespace responder::evidence {

std::string format_utc_ns(const timespec& time) {
  std::tm parts{};
  time_t seconds = time.tv_sec;
  gmtime_r(&seconds, &parts);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", parts.tm_year + 1900, parts.tm_mon + 1,
                parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, static_cast<long>(time.tv_nsec));
  return text;
}

std::string now_utc_ns() {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return format_utc_ns(now);
}

json::object time_record(const timespec& time) {
  json::object record;
  record["utc"] = format_utc_ns(time);
  record["ns"] = static_cast<std::int64_t>(time.tv_sec) * 1000000000 + time.tv_nsec;
  return record;
}

}  // namespace responder::evidence
