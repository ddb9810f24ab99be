#include "forensics/evidence/evidence_host.h"

#include <sys/timex.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <filesystem>

#include "forensics/evidence/evidence_time.h"

namespace responder::evidence {
namespace {

std::string first_line(const char* path) {
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) return std::string("unavailable: cannot read ") + path;
  return line;
}

std::string time_zone_name() {
  if (const char* tz = std::getenv("TZ"); tz && *tz) return std::string(tz) + " (from TZ)";
  std::error_code ec;
  auto target = std::filesystem::read_symlink("/etc/localtime", ec);
  if (!ec) {
    auto text = target.string();
    auto at = text.find("zoneinfo/");
    return at == std::string::npos ? text : text.substr(at + 9);
  }
  std::ifstream in("/etc/timezone");
  std::string line;
  if (in && std::getline(in, line)) return line;
  return "UTC (no /etc/localtime)";
}

}  // namespace

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

json::object host_identity() {
  json::object host;
  host["hostname"] = host_name();
  host["machine_id"] = first_line("/etc/machine-id");
  host["boot_id"] = first_line("/proc/sys/kernel/random/boot_id");
  utsname u{};
  json::object kernel;
  if (uname(&u) == 0) {
    kernel["release"] = u.release;
    kernel["version"] = u.version;
    kernel["machine"] = u.machine;
  }
  host["kernel"] = kernel;
  return host;
}

json::object clock_state() {
  json::object clock;
  timespec real{}, mono{};
  clock_gettime(CLOCK_REALTIME, &real);
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock["realtime"] = time_record(real);
  clock["monotonic_ns"] = static_cast<std::int64_t>(mono.tv_sec) * 1000000000 + mono.tv_nsec;
  clock["time_zone"] = time_zone_name();
  std::tm local{};
  time_t now = real.tv_sec;
  localtime_r(&now, &local);
  char offset[16];
  std::strftime(offset, sizeof offset, "%z", &local);
  clock["utc_offset"] = offset;
  clock["clocksource"] = first_line("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  timex tx{};
  int state = adjtimex(&tx);
  if (state == -1) {
    clock["ntp_synchronized"] = std::string("unavailable: ") + std::strerror(errno);
  } else {
    // The kernel's own verdict: STA_UNSYNC or TIME_ERROR mean the clock is
    // not disciplined by NTP/PTP, so its times carry no bound.
    clock["ntp_synchronized"] = state != TIME_ERROR && !(tx.status & STA_UNSYNC);
    clock["max_error_us"] = static_cast<std::int64_t>(tx.maxerror);
    clock["est_error_us"] = static_cast<std::int64_t>(tx.esterror);
  }
  return clock;
}

}  // namespace responder::evidence
