#include "forensics/baseline/file_hash_pool.h"

#include "forensics/evidence/evidence_digest.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "forensics/baseline/file_tree_walk.h"

namespace responder::baseline {
namespace {

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

int open_for_reading(const char* path) {
  // O_NOATIME keeps a baseline check from rewriting every inode's atime; it
  // is allowed only to the owner or CAP_FOWNER, so try without it too.
  int fd = ::open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOATIME);
  if (fd < 0 && errno == EPERM) fd = ::open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  return fd;
}

// One pass over the file: the digests asked for. False with job.error set
// when the file cannot be read.
bool digest_file(HashJob& job, bool sha256, bool md5_too, std::vector<unsigned char>& buffer, std::string& sha_out,
                 std::string& md5_out, const std::atomic<bool>& cancelled) {
  int fd = open_for_reading(job.on_disk.c_str());
  if (fd < 0) {
    job.error = std::strerror(errno);
    return false;
  }
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } close_it{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    job.error = "no longer a regular file";
    return false;
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  if (sha256 || md5_too) job.entry.caps = file_capabilities(fd);
  DigestContext sha, md5;
  if ((sha256 && (!sha.ctx || EVP_DigestInit_ex(sha.ctx, EVP_sha256(), nullptr) != 1)) ||
      (md5_too && (!md5.ctx || EVP_DigestInit_ex(md5.ctx, EVP_md5(), nullptr) != 1))) {
    job.error = "OpenSSL could not start a digest";
    return false;
  }
  std::uint64_t total = 0;
  while (true) {
    // A stopped comparison (Ctrl-C, the step's timeout) does not wait for a
    // file of terabytes to be read to its end.
    if (cancelled.load(std::memory_order_relaxed)) {
      job.error = "not read to the end: the comparison was stopped";
      return false;
    }
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      job.error = std::strerror(errno);
      return false;
    }
    if (n == 0) break;
    if (sha256) EVP_DigestUpdate(sha.ctx, buffer.data(), static_cast<std::size_t>(n));
    if (md5_too) EVP_DigestUpdate(md5.ctx, buffer.data(), static_cast<std::size_t>(n));
    total += static_cast<std::uint64_t>(n);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  if (sha256) {
    EVP_DigestFinal_ex(sha.ctx, digest, &length);
    sha_out = evidence::hex_of(digest, length);
  }
  if (md5_too) {
    EVP_DigestFinal_ex(md5.ctx, digest, &length);
    md5_out = evidence::hex_of(digest, length);
  }
  // The size read is the size hashed, even if the file grew since the walk.
  job.entry.size = total;
  job.read_bytes += total;
  return true;
}

}  // namespace

void hash_file(HashJob& job, std::vector<unsigned char>& buffer, const std::atomic<bool>& cancelled) {
  std::string unused;
  if (!digest_file(job, job.want_sha256, job.want_md5, buffer, job.entry.sha256, job.md5, cancelled)) return;
  if (!job.want_md5 && !job.md5_unless_sha256.empty() && job.entry.sha256 != job.md5_unless_sha256)
    digest_file(job, false, true, buffer, unused, job.md5, cancelled);
}

void hash_file(HashJob& job, std::vector<unsigned char>& buffer) {
  static const std::atomic<bool> never{false};
  hash_file(job, buffer, never);
}

FileHashPool::FileHashPool(std::function<void(HashJob&&)> done, unsigned workers) : done_(std::move(done)) {
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  threads_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { work(); });
}

FileHashPool::~FileHashPool() { finish(); }

void FileHashPool::submit(HashJob job) {
  filling_bytes_ += job.entry.size;
  filling_.push_back(std::move(job));
  if (filling_.size() >= kBatchFiles || filling_bytes_ >= kBatchBytes) hand_over();
}

void FileHashPool::hand_over() {
  if (filling_.empty()) return;
  std::unique_lock lock(mutex_);
  has_room_.wait(lock, [&] { return queued_files_ + filling_.size() <= kQueueDepth || queue_.empty(); });
  queued_files_ += filling_.size();
  queue_.push_back(std::move(filling_));
  lock.unlock();
  has_work_.notify_one();
  filling_.clear();
  filling_bytes_ = 0;
}

void FileHashPool::cancel() { cancelled_ = true; }

void FileHashPool::finish() {
  hand_over();
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  has_work_.notify_all();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void FileHashPool::work() {
  std::vector<unsigned char> buffer(kBufferSize);
  while (true) {
    std::vector<HashJob> batch;
    {
      std::unique_lock lock(mutex_);
      has_work_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;
      batch = std::move(queue_.front());
      queue_.pop_front();
      queued_files_ -= batch.size();
    }
    has_room_.notify_one();
    for (auto& job : batch) {
      if (cancelled_) job.error = "not read: the comparison was stopped";
      else hash_file(job, buffer, cancelled_);
      bytes_done_ += job.read_bytes;
      done_(std::move(job));
      ++files_done_;
    }
  }
}

}  // namespace responder::baseline
