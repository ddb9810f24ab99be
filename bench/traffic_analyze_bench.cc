// Benchmark: `responder analyze` on a capture of at least 1 GB, side by side
// in one run with `tcpdump -r FILE -w /dev/null` (libpcap's raw read, the
// practical limit) and `tshark -q -z conv,ip -r FILE` (what an analyst would
// run). Prints times, ratios and peak RSS.
//
//   build/bench/traffic_analyze_bench [--size-mb N] [--tshark-slice-mb M] [--dir D] [--keep]
//                                [--compare OTHER_RESPONDER_BINARY]
//
// The capture is built in D (default /tmp) from repetitions of the corpus
// captures, each copy with its IPv4 addresses rewritten (the copy number is
// added to the second and third octets) and its timestamps shifted, so that
// the spoofed flood's sources keep growing into the millions and the source
// table must cap itself. The file is deleted afterwards. tshark is run on a
// slice (default 64 MB) and its time scaled linearly, because on the whole
// file it takes tens of minutes; the output says so. No timing is asserted.
// --keep leaves the capture in place (its path is printed) for profiling;
// --compare also times another responder binary (say, a build from before a
// change) in the same run, since only ratios measured together are fair on a
// shared machine; --tshark-slice-mb 0 skips tshark.
#include <pcap/pcap.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <fcntl.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

struct Frame {
  pcap_pkthdr header;
  std::vector<std::uint8_t> data;
};

std::vector<Frame> read_all(const std::string& path) {
  std::vector<Frame> out;
  char error[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_open_offline(path.c_str(), error);
  if (!p) return out;
  if (pcap_datalink(p) != DLT_EN10MB) {
    pcap_close(p);
    return out;
  }
  pcap_pkthdr* h;
  const u_char* d;
  while (pcap_next_ex(p, &h, &d) == 1) out.push_back({*h, std::vector<std::uint8_t>(d, d + h->caplen)});
  pcap_close(p);
  return out;
}

// Adds `copy` to octets 2 and 3 of both IPv4 addresses of an Ethernet/IPv4 frame.
void rewrite(std::vector<std::uint8_t>& f, unsigned copy) {
  std::size_t at = 12;
  std::uint16_t type = static_cast<std::uint16_t>(f[at] << 8 | f[at + 1]);
  while (type == 0x8100 && at + 6 <= f.size()) {
    at += 4;
    type = static_cast<std::uint16_t>(f[at] << 8 | f[at + 1]);
  }
  at += 2;
  if (type != 0x0800 || f.size() < at + 20) return;
  for (std::size_t a : {at + 12, at + 16}) {
    f[a + 1] = static_cast<std::uint8_t>(f[a + 1] + (copy >> 8));
    f[a + 2] = static_cast<std::uint8_t>(f[a + 2] + copy);
  }
}

struct Run {
  double seconds = 0;
  long peak_rss_kb = 0;
  int status = -1;
};

Run run(const std::vector<std::string>& argv) {
  Run r;
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.peak_rss_kb = usage.ru_maxrss;
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

bool have(const char* tool) { return run({"sh", "-c", std::string("command -v ") + tool}).status == 0; }

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t size_mb = 1100, slice_mb = 64;
  std::string dir = "/tmp";
  bool keep = false;
  std::string compare;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (k == "--keep") keep = true;
    else if (i + 1 >= argc) break;
    else if (k == "--size-mb") size_mb = std::stoull(argv[++i]);
    else if (k == "--tshark-slice-mb") slice_mb = std::stoull(argv[++i]);
    else if (k == "--dir") dir = argv[++i];
    else if (k == "--compare") compare = argv[++i];
  }
  std::string corpus = std::string(RESPONDER_CORPUS_DIR) + "/pcaps/";
  std::vector<std::vector<Frame>> inputs;
  for (auto* name : {"pkt.TCP.synflood.spoofed.pcap", "amp.UDP.snmp.src161.pcapng", "tcp_0_1000_20190821.pcap",
                     "nmap_80_all.pcap", "whois.pcap"}) {
    auto frames = read_all(corpus + name);
    if (frames.empty()) {
      std::fprintf(stderr, "cannot read corpus capture %s%s\n", corpus.c_str(), name);
      return 2;
    }
    inputs.push_back(std::move(frames));
  }
  std::string file = dir + "/responder-traffic-bench-" + std::to_string(getpid()) + ".pcap";
  std::string slice = dir + "/responder-traffic-bench-slice-" + std::to_string(getpid()) + ".pcap";
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 262144);
  pcap_dumper_t* out = pcap_dump_open(dead, file.c_str());
  pcap_dumper_t* slice_out = pcap_dump_open(dead, slice.c_str());
  if (!out || !slice_out) {
    std::fprintf(stderr, "cannot write %s\n", file.c_str());
    return 1;
  }
  std::uint64_t bytes = 24, packets = 0, slice_bytes = 24, slice_packets = 0;
  unsigned copy = 0;
  auto build_start = std::chrono::steady_clock::now();
  while (bytes < size_mb * 1024 * 1024) {
    ++copy;
    for (auto& frames : inputs)
      for (auto f : frames) {
        rewrite(f.data, copy);
        f.header.ts.tv_sec += copy * 60;
        pcap_dump(reinterpret_cast<u_char*>(out), &f.header, f.data.data());
        bytes += 16 + f.header.caplen;
        ++packets;
        if (slice_bytes < slice_mb * 1024 * 1024) {
          pcap_dump(reinterpret_cast<u_char*>(slice_out), &f.header, f.data.data());
          slice_bytes += 16 + f.header.caplen;
          ++slice_packets;
        }
      }
  }
  pcap_dump_close(out);
  pcap_dump_close(slice_out);
  pcap_close(dead);
  double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();
  std::printf("capture: %s, %.0f MB, %llu packets (%u copies of the 5 corpus captures, addresses rewritten), built in %.1f s\n",
              file.c_str(), static_cast<double>(bytes) / 1048576.0, static_cast<unsigned long long>(packets), copy, build_s);

  // Warm the page cache so that every tool reads from memory alike.
  run({"cat", file});
  Run tcpdump = have("tcpdump") ? run({"tcpdump", "-r", file, "-w", "/dev/null"}) : Run{};
  Run responder = run({RESPONDER_BINARY, "analyze", file, "--json"});
  Run other = compare.empty() ? Run{} : run({compare, "analyze", file, "--json"});
  Run tshark;
  double tshark_scaled = 0;
  if (slice_packets > 0 && have("tshark")) {
    tshark = run({"tshark", "-q", "-z", "conv,ip", "-r", slice});
    tshark_scaled = tshark.seconds * static_cast<double>(packets) / static_cast<double>(slice_packets);
  }
  std::printf("\n%-40s %10s %12s %10s\n", "tool", "seconds", "peak RSS MB", "exit");
  if (tcpdump.status >= 0)
    std::printf("%-40s %10.2f %12.1f %10d\n", "tcpdump -r FILE -w /dev/null", tcpdump.seconds, tcpdump.peak_rss_kb / 1024.0, tcpdump.status);
  std::printf("%-40s %10.2f %12.1f %10d\n", "responder analyze FILE --json", responder.seconds, responder.peak_rss_kb / 1024.0,
              responder.status);
  if (other.status >= 0)
    std::printf("%-40s %10.2f %12.1f %10d   (%s)\n", "other responder analyze FILE --json", other.seconds,
                other.peak_rss_kb / 1024.0, other.status, compare.c_str());
  if (tshark.status >= 0)
    std::printf("%-40s %10.2f %12.1f %10d   (measured on a %llu-packet slice: %.2f s, scaled by packets)\n",
                "tshark -q -z conv,ip -r FILE", tshark_scaled, tshark.peak_rss_kb / 1024.0, tshark.status,
                static_cast<unsigned long long>(slice_packets), tshark.seconds);
  if (tcpdump.status == 0) std::printf("\nresponder / tcpdump raw read: %.2fx (target <= 1.5x)\n", responder.seconds / tcpdump.seconds);
  if (tcpdump.status == 0 && other.status == 0)
    std::printf("other responder / tcpdump raw read: %.2fx\n", other.seconds / tcpdump.seconds);
  if (tshark.status == 0) std::printf("tshark (scaled) / responder:   %.1fx faster\n", tshark_scaled / responder.seconds);
  if (!keep) std::filesystem::remove(file);
  std::filesystem::remove(slice);
  return responder.status == 0 ? 0 : 1;
}
