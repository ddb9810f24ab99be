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
//   responder run (evidence.image)         image + SHA-256 whole and per 64 MiB chunk,
//                                          fsync'd, immutable, recorded (the module itself)
// and prints rates and ratios. openssl dgst and evidence.image run first,
// three times each, alternating; the best of each is compared (every round
// is printed). Memory: the responder's peak RSS imaging 256 MiB and imaging
// the full file (flat means the image size does not matter). Needs about
// eight times SIZE_MIB of free disk; everything it made is removed at the
// end, even when a step fails.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "bench/evidence_scratch.h"
#include "bench/timed_command.h"
#include "forensics/evidence/evidence_digest.h"
#include "forensics/evidence/evidence_item.h"
#include "forensics/evidence/immutable_file.h"

using namespace responder;
using namespace responder::evidence;
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

// evidence.image as a user runs it: `responder run` of a one-step playbook,
// a process of its own like every other tool here (so its peak RSS is its
// own). The time includes the journal and the evidence records.
Timed image_with_responder(const fs::path& home, const fs::path& source, const std::string& incident) {
  auto playbook = home / "image.yaml";
  auto log = home / "responder.log";
  if (!fs::exists(playbook)) {
    fs::create_directories(home);
    std::string quoted = "'";  // YAML single quotes: only ' itself is doubled
    for (char c : source.string()) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    quoted += "'";
    std::ofstream(playbook) << "name: image-bench\ndescription: one forensic image\nstages:\n  analyze:\n"
                            << "    - id: image\n      module: evidence.image\n      with: {source: " << quoted
                            << ", name: source.img}\n";
  }
  Timed t = run_tool({RESPONDER_BINARY, "--home", home.string(), "run", playbook.string(), "--incident", incident},
                     log.string());
  if (t.seconds < 0) {
    std::ifstream in(log);
    std::fprintf(stderr, "responder run failed:\n%s\n", std::string(std::istreambuf_iterator<char>(in), {}).c_str());
  }
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2048;
  EvidenceScratch scratch("image-bench");
  auto file = scratch.root / "source.bin";
  auto small = scratch.root / "small.bin";
  if (auto free = std::filesystem::space(scratch.root).available; free < (8 * mib + 512) << 20) {
    std::fprintf(stderr, "needs %llu MiB free under %s, has %llu MiB\n", static_cast<unsigned long long>(8 * mib + 512),
                 scratch.root.c_str(), static_cast<unsigned long long>(free >> 20));
    return 1;
  }
  std::printf("making %llu MiB of test data in %s ...\n", static_cast<unsigned long long>(mib), scratch.root.c_str());
  make_file(file, mib);
  make_file(small, 256);
  double bytes = static_cast<double>(mib) * 1048576.0;

  // Memory: a small image first; the full one below.
  warm(small);
  Timed small_image = image_with_responder(scratch.root / "home-small", small, "INC-SMALL");

  // The two the target compares come first, in alternation, best of three
  // each: this VM's disk and CPU drift by tens of percent from one minute to
  // the next, and the root file system discards (TRIM) what is deleted, so
  // the other tools' copies are kept until the end rather than deleted in
  // between, where their discards would slow whatever runs next.
  Timed openssl, module;
  std::string rounds;
  for (int round = 1; round <= 3; ++round) {
    warm(file);
    Timed o = run_tool({"openssl", "dgst", "-sha256", file.string()});
    warm(file);
    Timed m = image_with_responder(scratch.root / "home", file, "INC-BENCH-" + std::to_string(round));
    if (o.seconds > 0 && (openssl.seconds < 0 || o.seconds < openssl.seconds)) openssl = o;
    if (m.seconds > 0 && (module.seconds < 0 || m.seconds < module.seconds)) module = m;
    char line[96];
    std::snprintf(line, sizeof line, "  round %d: openssl dgst %.2f s, evidence.image %.2f s\n", round, o.seconds,
                  m.seconds);
    rounds += line;
  }
  warm(file);
  double pipeline = hash_pipeline(file);
  warm(file);
  Timed sha256sum = run_tool({"sha256sum", file.string()});
  warm(file);
  Timed dc3dd = run_tool({"dc3dd", "if=" + file.string(), "of=" + (scratch.root / "dc3dd.img").string(),
                          "hash=sha256", "log=" + (scratch.root / "dc3dd.log").string()});
  warm(file);
  Timed dd = run_tool({"dd", "if=" + file.string(), "of=" + (scratch.root / "dd.img").string(), "bs=4M",
                       "conv=fsync"});
  warm(file);
  Timed dd_direct = run_tool({"dd", "if=" + file.string(), "of=" + (scratch.root / "dd-direct.img").string(),
                              "bs=4M", "oflag=direct", "conv=fsync"});
  double image = module.seconds;

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
  row("evidence hashing pipeline (no write)", pipeline, own_max_rss_kib());
  row("evidence.image (responder run)", image, module.max_rss_kib);
  std::printf("\nopenssl dgst and evidence.image, alternating (best of three above):\n%s", rounds.c_str());
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
  std::printf("\nmemory: responder peak RSS %ld MiB imaging 256 MiB, %ld MiB imaging %llu MiB\n",
              small_image.max_rss_kib / 1024, module.max_rss_kib / 1024, static_cast<unsigned long long>(mib));
  return image > 0 ? 0 : 1;
}
