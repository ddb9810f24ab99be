#include "forensics/baseline/hashing_progress.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

namespace responder::baseline {

std::string describe(const HashingProgress& p) {
  char bytes[32];
  std::snprintf(bytes, sizeof bytes, "%.1f MiB", static_cast<double>(p.bytes_hashed) / (1024.0 * 1024.0));
  std::string total = p.files_expected ? std::to_string(p.files_expected) : std::to_string(p.files_found) + (p.finished ? "" : "+");
  return std::to_string(p.files_hashed) + "/" + total + " files, " + bytes;
}

void ProgressThrottle::poll(const HashingProgress& progress) {
  if (!report_) return;
  auto now = std::chrono::steady_clock::now();
  if (!progress.finished && now - last_ < std::chrono::seconds(1)) return;
  last_ = now;
  report_(progress);
}

ProgressReport stderr_progress(const std::string& label) {
  bool terminal = ::isatty(STDERR_FILENO) == 1;
  auto last_line = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [terminal, label, last_line](const HashingProgress& p) {
    if (terminal) {
      std::cerr << "\r" << label << ": " << describe(p) << (p.finished ? "\n" : "   ") << std::flush;
      return;
    }
    auto now = std::chrono::steady_clock::now();
    if (!p.finished && now - *last_line < std::chrono::seconds(10)) return;
    *last_line = now;
    std::cerr << label << ": " << describe(p) << "\n";
  };
}

}  // namespace responder::baseline
