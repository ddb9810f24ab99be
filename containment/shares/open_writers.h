// Which processes hold files open for writing under a directory: what keeps
// a volume from being remounted read-only (EBUSY), and what share.readonly
// names, or with kill_writers ends, before it remounts.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "responder/result.h"

namespace responder::shares {

struct OpenWriter {
  pid_t pid = 0;
  std::string command;  // /proc/PID/comm
  std::string user;     // the real user's name, else its number
  std::string file;     // one file it holds open for writing there
  // When it started (/proc/PID/stat field 22, clock ticks since boot): a
  // PID reused by another process between the scan and the signal is not it.
  std::uint64_t start_time = 0;
};

// Every process (one entry each, with the first such file) that has a file
// under `directory` open for writing or reading and writing, read from
// /proc/PID/fd and /proc/PID/fdinfo. Processes that vanish while being read
// are skipped.
std::vector<OpenWriter> open_writers_under(const std::string& directory);

// "pid 1234 (encrypt, user bob) holds /srv/x" for each, joined with "; ".
std::string describe_writers(const std::vector<OpenWriter>& writers);

// Ends each writer with SIGKILL (a ransomware process must not get to act on
// a gentler signal) and waits up to `wait` for it to be gone; fails naming
// those still alive. Signalled through a pidfd taken and checked against the
// writer's start time, so a process that took over a writer's PID after the
// scan is never hit; a writer already gone counts as ended.
Status end_writers(const std::vector<OpenWriter>& writers, std::chrono::milliseconds wait = std::chrono::seconds(5));

}  // namespace responder::shares
