// Processes, their open files and memory maps, from /proc.
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "forensics/evidence/evidence_artifacts.h"
#include "forensics/evidence/evidence_digest.h"
#include "forensics/evidence/evidence_time.h"

namespace responder::evidence {
namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string link_of(const std::string& path) {
  std::error_code ec;
  auto target = std::filesystem::read_symlink(path, ec);
  return ec ? "" : target.string();
}

std::string user_name(unsigned uid) {
  static std::map<unsigned, std::string> cache;
  auto it = cache.find(uid);
  if (it != cache.end()) return it->second;
  passwd* pw = getpwuid(uid);
  return cache[uid] = pw ? pw->pw_name : std::to_string(uid);
}

// Boot time from /proc/stat "btime", for process start times.
long long boot_time() {
  for (auto& line : file_lines("/proc/stat"))
    if (line.rfind("btime ", 0) == 0) return std::stoll(line.substr(6));
  return 0;
}

// SHA-256 of the executable through /proc/<pid>/exe: the binary actually
// running, even if it was deleted or replaced on disk. Cached by device and
// inode, since most processes share a few binaries.
std::string exe_hash(int pid, std::map<std::pair<dev_t, ino_t>, std::string>& cache) {
  std::string path = "/proc/" + std::to_string(pid) + "/exe";
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::string("unavailable: ") + std::strerror(errno);
  struct stat st{};
  ::fstat(fd, &st);
  auto key = std::make_pair(st.st_dev, st.st_ino);
  if (auto it = cache.find(key); it != cache.end()) {
    ::close(fd);
    return it->second;
  }
  StreamHasher hasher(1ull << 62, false, 1 << 20, 1);
  for (;;) {
    auto block = hasher.acquire();
    ssize_t n = ::read(fd, block.data(), block.size());
    if (n <= 0) { hasher.submit(0); break; }
    hasher.submit(static_cast<std::size_t>(n));
  }
  ::close(fd);
  return cache[key] = hasher.finish().sha256;
}

}  // namespace

void read_processes(const ArtifactRequest&, const ArtifactEmit& emit) {
  long ticks = sysconf(_SC_CLK_TCK);
  long long booted = boot_time();
  std::map<std::pair<dev_t, ino_t>, std::string> hashes;
  for (int pid : live_pids()) {
    std::string base = "/proc/" + std::to_string(pid);
    std::string stat = read_all(base + "/stat");
    auto close_paren = stat.rfind(')');
    if (stat.empty() || close_paren == std::string::npos) continue;  // exited meanwhile
    json::object p;
    p["pid"] = pid;
    p["comm"] = stat.substr(stat.find('(') + 1, close_paren - stat.find('(') - 1);
    std::istringstream fields(stat.substr(close_paren + 2));
    std::vector<std::string> f;
    for (std::string w; fields >> w;) f.push_back(w);
    if (f.size() > 19) {
      p["state"] = f[0];
      p["ppid"] = std::stoll(f[1]);
      long long start_ticks = std::stoll(f[19]);
      timespec start{};
      start.tv_sec = static_cast<time_t>(booted + start_ticks / ticks);
      start.tv_nsec = static_cast<long>((start_ticks % ticks) * (1000000000 / ticks));
      p["start_time"] = format_utc_ns(start);
      p["start_ticks_since_boot"] = start_ticks;
    }
    for (auto& line : file_lines(base + "/status")) {
      if (line.rfind("Uid:", 0) == 0) {
        std::istringstream ids(line.substr(4));
        unsigned real = 0, effective = 0;
        ids >> real >> effective;
        p["uid"] = real;
        p["user"] = user_name(real);
        p["euid"] = effective;
      } else if (line.rfind("Gid:", 0) == 0) {
        std::istringstream ids(line.substr(4));
        unsigned real = 0;
        ids >> real;
        p["gid"] = real;
      }
    }
    std::string raw = read_all(base + "/cmdline");
    json::array argv;
    for (std::size_t at = 0; at < raw.size();) {
      auto end = raw.find('\0', at);
      if (end == std::string::npos) end = raw.size();
      argv.emplace_back(raw.substr(at, end - at));
      at = end + 1;
    }
    p["cmdline"] = std::move(argv);
    std::string exe = link_of(base + "/exe");
    p["exe"] = exe;
    if (!exe.empty()) p["exe_sha256"] = exe_hash(pid, hashes);
    p["cwd"] = link_of(base + "/cwd");
    emit(std::move(p));
  }
}

void read_open_files(const ArtifactRequest&, const ArtifactEmit& emit) {
  for (int pid : live_pids()) {
    std::string base = "/proc/" + std::to_string(pid);
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator(base + "/fd", ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      json::object f;
      f["pid"] = pid;
      auto fd = it->path().filename().string();
      f["fd"] = std::stoll(fd);
      f["target"] = link_of(it->path().string());
      for (auto& line : file_lines(base + "/fdinfo/" + fd)) {
        if (line.rfind("pos:", 0) == 0) f["pos"] = std::stoll(line.substr(4));
        if (line.rfind("flags:", 0) == 0) f["flags"] = line.substr(line.find_first_not_of(" \t", 6));
      }
      emit(std::move(f));
    }
  }
}

void read_maps(const ArtifactRequest& request, const ArtifactEmit& emit) {
  auto pids = request.pids.empty() ? live_pids() : request.pids;
  for (int pid : pids) {
    auto lines = file_lines("/proc/" + std::to_string(pid) + "/maps");
    if (lines.empty() && !request.pids.empty()) {
      json::object e;
      e["pid"] = pid;
      e["error"] = "no maps: process gone or not readable";
      emit(std::move(e));
    }
    for (auto& line : lines) {
      std::istringstream in(line);
      std::string range, perms, offset, dev, inode, path;
      in >> range >> perms >> offset >> dev >> inode;
      std::getline(in, path);
      auto start = path.find_first_not_of(' ');
      json::object m;
      m["pid"] = pid;
      m["range"] = range;
      m["perms"] = perms;
      m["offset"] = offset;
      m["device"] = dev;
      m["inode"] = inode;
      m["path"] = start == std::string::npos ? "" : path.substr(start);
      emit(std::move(m));
    }
  }
}

}  // namespace responder::evidence
