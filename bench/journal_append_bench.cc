// Journal appends per second, each one fsync'd as the runner does it.
//   build/bench/journal_append_bench [DIR] [COUNT]
// DIR defaults to /var/tmp (a real disk); pass /dev/shm to see the cost
// without the storage. Prints one line: appends/s and microseconds each.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "responder/journal.h"

int main(int argc, char** argv) {
  std::filesystem::path base = argc > 1 ? argv[1] : "/var/tmp";
  int count = argc > 2 ? std::stoi(argv[2]) : 5000;
  auto dir = base / ("responder-journal-bench-" + std::to_string(::getpid()));
  auto writer = responder::JournalWriter::open(dir, true);
  if (!writer) {
    std::fprintf(stderr, "journal_append_bench: %s\n", writer.error().message.c_str());
    return 1;
  }
  responder::json::object payload{{"step", "block-attacker"}, {"stage", "isolate-and-contain"},
                                  {"detail", "a payload of typical size for a step record"}};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < count; ++i) {
    auto r = writer->append("step.started", "bench", payload);
    if (!r) {
      std::fprintf(stderr, "journal_append_bench: %s\n", r.error().message.c_str());
      return 1;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::filesystem::remove_all(dir);
  std::printf("journal appends with fdatasync on %s: %d in %.3f s = %.0f appends/s (%.1f us each)\n", base.c_str(), count,
              seconds, count / seconds, seconds / count * 1e6);
  return 0;
}
