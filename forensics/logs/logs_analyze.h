// Sources of failed logins and blocked probes in text logs:
//   sshd   "Failed password for [invalid user] U from A port P",
//          "Invalid user U from A", "authentication failure; ... rhost=A",
//          "maximum authentication attempts exceeded for U from A";
//   kernel firewall log lines "IN=.. OUT=.. SRC=A DST=.. PROTO=.. DPT=P";
//   journal exports (`journalctl -o export` and `-o json`), whose MESSAGE
//   fields are read as the lines above.
// Lines are streamed; memory grows with distinct sources, not file size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder::logs {

struct LogSource {
  std::uint64_t failed_logins = 0;   // sshd failures
  std::uint64_t blocked_probes = 0;  // firewall log lines
  std::set<std::string> users;       // user names tried (first 20)
  std::set<std::uint16_t> ports;     // destination ports probed (first 64)
  std::string first, last;           // time of the first and last event, as logged or RFC 3339
};

struct LogFindings {
  std::map<std::string, LogSource> by_address;  // canonical address text
  std::uint64_t lines = 0, events = 0;
  // The object logs.analyze registers: `sources` (addresses with at least
  // `threshold` events, most events first) and `by_source` with the counts.
  json::object to_json(std::uint64_t threshold) const;
};

// Reads one log file (plain text, journal export or journal JSON) into `findings`.
Status read_log_file(const std::filesystem::path& file, LogFindings& findings);
// Reads one line (exposed for tests); `time` is the journal's when known.
void read_log_line(std::string_view line, LogFindings& findings, const std::string& time = "");

}  // namespace responder::logs
