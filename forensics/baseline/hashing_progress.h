// How far a baseline's hashing has got, reported about once a second while
// it runs and once at the end.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace responder::baseline {

struct HashingProgress {
  std::uint64_t files_found = 0;   // by the walk so far
  std::uint64_t files_hashed = 0;  // files read and hashed (and objects checked)
  std::uint64_t bytes_hashed = 0;
  std::uint64_t files_expected = 0;  // 0 when unknown (a first recording)
  bool finished = false;
};

using ProgressReport = std::function<void(const HashingProgress&)>;

// "12034/100000 files, 512.3 MiB" for terminals and notes.
std::string describe(const HashingProgress& progress);

// Calls `report` when a second has passed since the last call (or when
// finished), so a caller may poll it as often as it likes.
class ProgressThrottle {
 public:
  explicit ProgressThrottle(ProgressReport report) : report_(std::move(report)) {}
  void poll(const HashingProgress& progress);

 private:
  ProgressReport report_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// A report for a command line: one line rewritten in place every second on
// a terminal; otherwise a line every 10 seconds and one at the end, so a
// log stays short.
ProgressReport stderr_progress(const std::string& label);

}  // namespace responder::baseline
