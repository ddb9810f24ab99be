// evidence.collect of many files, against what an examiner would otherwise
// run, in one run:
//
//   build/bench/evidence_collect_bench [FILES] [KIB]     (default 2000 files of 256 KiB)
//
// Makes FILES random files under /var/tmp, then times, each with a warm page
// cache:
//   cp -a SRC DST; sha256sum DST/*; sync -f DST    copy, hash, make durable
//   evidence.collect parallel: 1, 2, 8, 16, 32     32 is the default
// Each collected file is copied, hashed while written, fsync'd, made
// immutable and recorded in the manifest and custody log. Prints rates, the
// ratio to cp + sha256sum, and how the module scales with workers.
// Everything it made is removed at the end, even when a step fails.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "bench/evidence_scratch.h"
#include "bench/timed_command.h"
#include "forensics/evidence/immutable_file.h"
#include "responder/module.h"
#include "responder/schema_catalog.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::bench;
namespace fs = std::filesystem;

namespace {


std::vector<fs::path> make_files(const fs::path& dir, std::size_t count, std::size_t kib) {
  fs::create_directories(dir);
  std::mt19937_64 random(7);
  std::vector<char> data(kib * 1024);
  std::vector<fs::path> files;
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t j = 0; j + 8 <= data.size(); j += 8) {
      std::uint64_t v = random();
      std::memcpy(data.data() + j, &v, 8);
    }
    auto path = dir / ("log-" + std::to_string(i));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) std::perror("write"), std::exit(1);
    ::close(fd);
    files.push_back(path);
  }
  ::sync();
  return files;
}

void warm(const std::vector<fs::path>& files) {
  std::vector<char> block(1 << 20);
  for (auto& f : files) {
    int fd = ::open(f.c_str(), O_RDONLY);
    while (::read(fd, block.data(), block.size()) > 0) {
    }
    ::close(fd);
  }
}

double collect(const fs::path& incident_dir, const fs::path& source_dir, int parallel) {
  StepContext context;
  context.incident_id = incident_dir.filename().string();
  context.incident_dir = incident_dir;
  context.actor = "bench";
  context.step_id = "collect";
  json::object with;
  with["paths"] = json::array{json::value((source_dir / "log-*").string())};
  with["parallel"] = parallel;
  auto params = SchemaCatalog::instance().module("evidence.collect")->resolve(with);
  if (!params) return std::fprintf(stderr, "%s\n", params.error().message.c_str()), -1;
  auto start = std::chrono::steady_clock::now();
  auto receipt = ModuleRegistry::instance().find("evidence.collect")->apply(*params, context);
  double s = seconds_since(start);
  if (!receipt) return std::fprintf(stderr, "evidence.collect failed: %s\n", receipt.error().message.c_str()), -1;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000;
  std::size_t kib = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 256;
  EvidenceScratch scratch("collect-bench");
  auto source = scratch.root / "source";
  std::printf("making %zu files of %zu KiB in %s ...\n", count, kib, source.c_str());
  auto files = make_files(source, count, kib);
  double bytes = static_cast<double>(count) * kib * 1024.0;

  warm(files);
  auto copy_dir = scratch.root / "cp";
  auto start = std::chrono::steady_clock::now();
  Timed cp = run_tool({"cp", "-a", source.string(), copy_dir.string()});
  std::vector<std::string> hash{"sha256sum"};
  for (auto& f : files) hash.push_back((copy_dir / f.filename()).string());
  Timed sum = run_tool(hash);
  Timed sync = run_tool({"sync", "-f", copy_dir.string()});
  double manual = cp.seconds < 0 || sum.seconds < 0 || sync.seconds < 0 ? -1 : seconds_since(start);
  fs::remove_all(copy_dir);

  std::vector<std::pair<int, double>> runs;
  for (int workers : {1, 2, 8, 16, 32}) {
    warm(files);
    runs.emplace_back(workers, collect(scratch.root / ("INC-" + std::to_string(workers)), source, workers));
  }

  auto row = [&](const std::string& name, double s) {
    if (s < 0) std::printf("%-46s %9s\n", name.c_str(), "failed");
    else std::printf("%-46s %9.2f %9.1f %9.0f\n", name.c_str(), s, bytes / s / 1e6, count / s);
  };
  std::printf("\n%-46s %9s %9s %9s\n", "way", "seconds", "MB/s", "files/s");
  row("cp -a + sha256sum + sync -f", manual);
  for (auto& [workers, s] : runs)
    row("evidence.collect parallel: " + std::to_string(workers) + (workers == 32 ? " (the default)" : ""), s);
  double one = runs[0].second, fallback = runs[4].second;
  std::printf("\n(%u cores)\n", std::thread::hardware_concurrency());
  if (one > 0 && fallback > 0) std::printf("scaling from 1 to 32 workers: %.2fx\n", one / fallback);
  if (manual > 0 && fallback > 0)
    std::printf("evidence.collect (default) vs cp -a + sha256sum + sync: %.2fx (rate ratio)\n", manual / fallback);
  for (auto& [workers, s] : runs)
    if (s < 0) return 1;
  return 0;
}
