// evidence.image against the tools an examiner would otherwise use, in one run.
//
//   build/bench/evidence_image_bench [SIZE_MIB]      (default 2048; needs dc3dd)
//
// Makes a SIZE_MIB file under /var/tmp, then times, each on the same file
// with a warm page cache:
//   sha256sum FILE                         hash only
//   openssl dgst -sha256 FILE              hash only (the single-core limit)
//   dc3dd if=FILE of=IMAGE hash=sha256     image + hash
//   dd bs=4M conv=fsync                    copy only, through the page cache
//   dd bs=4M oflag=direct conv=fsync       copy only, O_DIRECT: what the disk allows
//   the module's hashing pipeline          read + hashes, nothing written
//   evidence.image                         image + SHA-256 whole and per 64 MiB chunk,
//                                          fsync'd, immutable, recorded (the module itself)
// and prints rates and ratios. Memory: the bench's peak RSS after a 256 MiB
// image and after the full one (flat means the image size does not matter).
// Everything it made is removed at the end, even when a step fails.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/evidence_scratch.h"
#include "bench/timed_command.h"
#include "forensics/evidence_digest.h"
#include "forensics/evidence_item.h"
#include "forensics/evidence_store.h"
#include "forensics/immutable_file.h"
#include "responder/module.h"
#include "responder/schema_catalog.h"

using namespace responder;
using namespace responder::bench;
namespace fs = std::filesystem;

namespace {


void make_file(const fs::path& path, std::uint64_t mib) {
  std::vector<char> block(1 << 20);
  std::mt19937_64 random(42);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  for (std::uint64_t i = 0; i < mib; ++i) {
    for (std::size_t j = 0; j < block.size(); j += 8) {
      std::uint64_t v = random();
      std::memcpy(block.data() + j, &v, 8);
    }
    if (::write(fd, block.data(), block.size()) != static_cast<ssize_t>(block.size())) std::perror("write"), std::exit(1);
  }
  ::fsync(fd);
  ::close(fd);
}

void warm(const fs::path& path) {
  std::vector<char> block(4 << 20);
  int fd = ::open(path.c_str(), O_RDONLY);
  while (::read(fd, block.data(), block.size()) > 0) {
  }
  ::close(fd);
}

// The module's hashing pipeline alone: read + SHA-256 whole and per chunk on
// two threads, nothing written. Separates hashing speed from disk speed.
double hash_pipeline(const fs::path& path) {
  auto start = std::chrono::steady_clock::now();
  int fd = ::open(path.c_str(), O_RDONLY);
  StreamHasher hasher(kEvidenceChunkSize, true);
  for (;;) {
    auto block = hasher.acquire();
    ssize_t n = ::read(fd, block.data(), block.size());
    hasher.submit(n > 0 ? static_cast<std::size_t>(n) : 0);
    if (n <= 0) break;
  }
  ::close(fd);
  hasher.finish();
  return seconds_since(start);
}

long own_max_rss_kib() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double image_with_module(const fs::path& incident_dir, const fs::path& source, const std::string& name) {
  StepContext context;
  context.incident_id = incident_dir.filename().string();
  context.incident_dir = incident_dir;
  context.actor = "bench";
  context.step_id = "image";
  json::object with;
  with["source"] = source.string();
  with["name"] = name;
  auto params = SchemaCatalog::instance().module("evidence.image")->resolve(with);
  auto start = std::chrono::steady_clock::now();
  auto receipt = ModuleRegistry::instance().find("evidence.image")->apply(*params, context);
  double s = seconds_since(start);
  if (!receipt) {
    std::fprintf(stderr, "evidence.image failed: %s\n", receipt.error().message.c_str());
    return -1;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2048;
  EvidenceScratch scratch("image-bench");
  auto file = scratch.root / "source.bin";
  auto small = scratch.root / "small.bin";
  std::printf("making %llu MiB of test data in %s ...\n", static_cast<unsigned long long>(mib), scratch.root.c_str());
  make_file(file, mib);
  make_file(small, 256);
  double bytes = static_cast<double>(mib) * 1048576.0;

  // Memory first: a small image, then the full one.
  warm(small);
  image_with_module(scratch.root / "INC-SMALL", small, "small.img");
  long rss_small = own_max_rss_kib();
  fs::remove(small);

  warm(file);
  Timed sha256sum = run_tool({"sha256sum", file.string()});
  Timed openssl = run_tool({"openssl", "dgst", "-sha256", file.string()});
  warm(file);
  Timed dc3dd = run_tool({"dc3dd", "if=" + file.string(), "of=" + (scratch.root / "dc3dd.img").string(),
                          "hash=sha256", "log=" + (scratch.root / "dc3dd.log").string()});
  fs::remove(scratch.root / "dc3dd.img");
  warm(file);
  Timed dd = run_tool({"dd", "if=" + file.string(), "of=" + (scratch.root / "dd.img").string(), "bs=4M",
                       "conv=fsync"});
  fs::remove(scratch.root / "dd.img");
  warm(file);
  Timed dd_direct = run_tool({"dd", "if=" + file.string(), "of=" + (scratch.root / "dd.img").string(), "bs=4M",
                              "oflag=direct", "conv=fsync"});
  fs::remove(scratch.root / "dd.img");
  warm(file);
  double pipeline = hash_pipeline(file);
  warm(file);
  double image = image_with_module(scratch.root / "INC-BENCH", file, "source.img");
  long rss_full = own_max_rss_kib();

  auto rate = [&](double s) { return s > 0 ? bytes / s / 1e9 : 0.0; };
  std::printf("\n%-44s %9s %9s %10s\n", "tool", "seconds", "GB/s", "peak RSS");
  auto row = [&](const char* name, double s, long rss) {
    if (s < 0) std::printf("%-44s %9s %9s %10s\n", name, "failed", "-", "-");
    else std::printf("%-44s %9.2f %9.2f %7ld MiB\n", name, s, rate(s), rss / 1024);
  };
  row("sha256sum (hash only)", sha256sum.seconds, sha256sum.max_rss_kib);
  row("openssl dgst -sha256 (hash only)", openssl.seconds, openssl.max_rss_kib);
  row("dc3dd hash=sha256 (image + hash)", dc3dd.seconds, dc3dd.max_rss_kib);
  row("dd bs=4M conv=fsync (copy, page cache)", dd.seconds, dd.max_rss_kib);
  row("dd oflag=direct conv=fsync (copy: disk)", dd_direct.seconds, dd_direct.max_rss_kib);
  row("evidence hashing pipeline (no write)", pipeline, rss_full);
  row("evidence.image (image + whole/chunk hashes)", image, rss_full);
  std::printf("\nratios (evidence.image rate / tool rate):\n");
  if (image > 0) {
    if (openssl.seconds > 0) std::printf("  vs openssl dgst  %.2fx   (target >= 0.9x)\n", openssl.seconds / image);
    if (dc3dd.seconds > 0) std::printf("  vs dc3dd         %.2fx   (target >= 3x)\n", dc3dd.seconds / image);
    if (sha256sum.seconds > 0) std::printf("  vs sha256sum     %.2fx\n", sha256sum.seconds / image);
  }
  if (pipeline > 0 && openssl.seconds > 0)
    std::printf("  hashing pipeline alone vs openssl dgst  %.2fx\n", openssl.seconds / pipeline);
  if (dd.seconds > 0 && image > 0) std::printf("  vs dd conv=fsync  %.2fx\n", dd.seconds / image);
  if (dd_direct.seconds > 0 && image > 0)
    std::printf("  vs what the disk allows (dd oflag=direct)  %.2fx\n", dd_direct.seconds / image);
  std::printf("\nmemory: bench peak RSS %ld MiB after a 256 MiB image, %ld MiB after the %llu MiB image\n",
              rss_small / 1024, rss_full / 1024, static_cast<unsigned long long>(mib));
  return image > 0 ? 0 : 1;
}
