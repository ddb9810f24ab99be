// evidence.collect: copies files, directories and glob matches into the
// evidence store with their metadata. Files are read with O_NOATIME where
// the kernel allows it (the owner or root), so collecting a log does not
// change its access time, which is itself evidence. Several files are copied
// at once, one per core.
#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <semaphore>
#include <thread>

#include "forensics/evidence/evidence_file_metadata.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/evidence_writer.h"
#include "responder/record_module.h"

namespace responder::evidence {
namespace {

struct Expansion {
  std::vector<std::string> files;
  std::vector<std::string> notes;  // matched but not collected, and why
};

void add_path(const std::string& path, bool recursive, Expansion& out) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) {
    out.notes.push_back(path + ": " + std::strerror(errno));
    return;
  }
  if (S_ISREG(st.st_mode)) {
    out.files.push_back(path);
  } else if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    out.notes.push_back(path + ": symbolic link to " + std::filesystem::read_symlink(path, ec).string() +
                        ", not followed (collect the target by its own path)");
  } else if (S_ISDIR(st.st_mode)) {
    if (!recursive) {
      out.notes.push_back(path + ": a directory (set recursive: true to collect what is under it)");
      return;
    }
    std::error_code ec;
    std::vector<std::string> under;
    for (auto it = std::filesystem::recursive_directory_iterator(
             path, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
      if (it->is_regular_file(ec) && !it->is_symlink(ec)) under.push_back(it->path().string());
    std::sort(under.begin(), under.end());
    out.files.insert(out.files.end(), under.begin(), under.end());
  } else {
    out.notes.push_back(path + ": not a regular file (device, FIFO or socket); use evidence.image for devices");
  }
}

Expansion expand(const json::object& params) {
  Expansion out;
  bool recursive = false;
  if (auto* r = params.if_contains("recursive"); r && r->is_bool()) recursive = r->get_bool();
  for (auto& value : params.at("paths").get_array()) {
    std::string pattern(value.get_string());
    glob_t matches{};
    int rc = ::glob(pattern.c_str(), GLOB_NOCHECK | GLOB_BRACE, nullptr, &matches);
    if (rc == 0)
      for (std::size_t i = 0; i < matches.gl_pathc; ++i) add_path(matches.gl_pathv[i], recursive, out);
    else
      out.notes.push_back(pattern + ": no match");
    ::globfree(&matches);
  }
  std::sort(out.files.begin(), out.files.end());
  out.files.erase(std::unique(out.files.begin(), out.files.end()), out.files.end());
  return out;
}

// One file: opened once, metadata taken from that open file before and after
// the copy, so what is recorded is what was read.
Result<EvidenceItem> collect_file(const StepContext& context, const std::string& path,
                                  std::counting_semaphore<>& large_files) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOATIME | O_NOFOLLOW | O_CLOEXEC);
  bool noatime = fd >= 0;
  if (fd < 0 && errno == EPERM) fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return failure(path + ": " + std::strerror(errno));
  struct statx before{}, after{};
  statx_fd(fd, before);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  std::string name = path;
  std::replace(name.begin(), name.end(), '/', '_');
  while (!name.empty() && name.front() == '_') name.erase(name.begin());
  // A large file hashes and writes on three threads with 32 MiB of buffers:
  // only a few at once, however many workers copy small files.
  bool large = before.stx_size > kEvidenceChunkSize;
  if (large) large_files.acquire();
  struct Release {
    std::counting_semaphore<>* s;
    ~Release() {
      if (s) s->release();
    }
  } release{large ? &large_files : nullptr};
  auto writer = EvidenceWriter::begin(context, name, large, large ? before.stx_size : 0);
  if (!writer) {
    ::close(fd);
    return writer.error();
  }
  for (;;) {
    if (context.should_stop()) {
      ::close(fd);
      return interruption("collection interrupted while copying " + path);
    }
    auto block = (*writer)->block();
    ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) {  // a signal, not the end of the file: read again
      (void)(*writer)->commit_block(0);
      continue;
    }
    if (n < 0) {
      Error e = failure(path + ": read error: " + std::strerror(errno));
      (void)(*writer)->commit_block(0);
      ::close(fd);
      return e;
    }
    if (auto s = (*writer)->commit_block(static_cast<std::size_t>(n)); !s) {
      ::close(fd);
      return s.error();
    }
    if (n == 0) break;
  }
  statx_fd(fd, after);
  ::close(fd);
  json::object metadata = file_metadata(before);
  metadata["path"] = path;
  metadata["read_without_changing_atime"] = noatime;
  bool changed = before.stx_size != after.stx_size || before.stx_mtime.tv_sec != after.stx_mtime.tv_sec ||
                 before.stx_mtime.tv_nsec != after.stx_mtime.tv_nsec || (*writer)->written() != before.stx_size;
  if (changed) {
    // A live log may grow while it is read: say so, and keep both views.
    metadata["changed_while_read"] = true;
    metadata["after"] = file_metadata(after);
  }
  return (*writer)->finish(path, metadata, noatime ? "evidence.collect: copy read with O_NOATIME, hashed while written"
                                                   : "evidence.collect: copy, hashed while written (atime may change)");
}

constexpr unsigned kDefaultCollectWorkers = 32;
constexpr std::ptrdiff_t kLargeFilesAtOnce = 4;

class EvidenceCollect final : public RecordModule {
 public:
  EvidenceCollect() : RecordModule("the files are in the evidence", "no record of the collection") {}
  std::string_view name() const override { return "evidence.collect"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    PlanResult plan;
    auto found = expand(params);
    json::array files;
    for (auto& f : found.files) {
      std::error_code ec;
      auto size = std::filesystem::file_size(f, ec);
      plan.changes.push_back("copy " + f + (ec ? "" : " (" + std::to_string(size) + " bytes)") + " into the evidence");
      files.emplace_back(f);
    }
    for (auto& n : found.notes) plan.changes.push_back("skip " + n);
    if (found.files.empty()) plan.changes.push_back("no file matches now; the paths are expanded again when the step runs");
    plan.detail["files"] = std::move(files);
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    auto found = expand(params);
    // Paths that name nothing are the input's fault, and nothing was
    // collected: `resume --var` may still correct them.
    if (found.files.empty())
      return bad_input("nothing to collect: " + (found.notes.empty() ? std::string("no paths") : found.notes.front()));
    std::vector<std::optional<Result<EvidenceItem>>> results(found.files.size());
    std::atomic<std::size_t> next{0}, done{0};
    std::mutex progress_mutex;
    // Collecting many small files waits on fsync, not on the CPU: while some
    // workers wait, the others' items are recorded together (group commit in
    // evidence_writer.cc), so there are more workers than cores (see
    // bench/evidence_collect_bench). Memory stays bounded: at most
    // kLargeFilesAtOnce files over 64 MiB are copied at a time.
    unsigned workers = kDefaultCollectWorkers;
    std::counting_semaphore<> large_files(kLargeFilesAtOnce);
    if (auto* p = params.if_contains("parallel"); p && p->is_int64()) workers = static_cast<unsigned>(p->as_int64());
    workers = std::min<unsigned>(workers, static_cast<unsigned>(found.files.size()));
    auto work = [&] {
      for (std::size_t i; (i = next++) < found.files.size();) {
        results[i] = collect_file(context, found.files[i], large_files);
        std::size_t finished = ++done;
        std::lock_guard lock(progress_mutex);
        if (context.progress) context.progress->progress(finished, found.files.size(), "files", found.files[i]);
      }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < workers; ++t) threads.emplace_back(work);
    work();
    for (auto& t : threads) t.join();

    Receipt receipt;
    json::array items, failed;
    bool interrupted = false;
    for (std::size_t i = 0; i < results.size(); ++i) {
      auto& r = *results[i];
      if (r) {
        json::object o;
        o["path"] = r->path;
        o["source"] = r->source;
        o["sha256"] = r->sha256;
        o["size"] = r->size;
        items.emplace_back(std::move(o));
        receipt.changes.push_back("collected " + r->source + " as " + r->path + " (SHA-256 " + r->sha256 + ")");
        if (r->write_once != "immutable") receipt.changes.push_back("WARNING: " + r->path + " write-once " + r->write_once);
      } else {
        interrupted = interrupted || r.error().kind == ErrorKind::interrupted;
        failed.emplace_back(r.error().message);
        receipt.changes.push_back("NOT collected: " + r.error().message);
      }
    }
    for (auto& n : found.notes) receipt.changes.push_back("skipped " + n);
    if (items.empty()) return Error{interrupted ? ErrorKind::interrupted : ErrorKind::failed,
                                    "nothing collected: " + std::string(failed.front().get_string())};
    receipt.output["items"] = std::move(items);
    receipt.output["failed"] = std::move(failed);
    return receipt;
  }
};

RESPONDER_MODULE(EvidenceCollect);

}  // namespace
}  // namespace responder::evidence
