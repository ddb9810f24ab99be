// Hashing many files at once on every core: a pool of std::jthread workers
// fed through a bounded queue, so a walk of a million files holds at most
// kQueueDepth of them in memory while they wait. Jobs travel in batches (up
// to kBatchFiles files or kBatchBytes bytes): most files are small, and one
// hand-over per file would cost more than hashing it.
//
// Each file is read once, with a large buffer, and its SHA-256 and (when
// asked) its MD5, which is what dpkg records, computed from the same bytes
// (OpenSSL EVP); a comparison may skip either (see HashJob). Only regular files are read: a path that turned into
// anything else between the walk and the read is reported, never opened in
// a way that could block (FIFO) or follow a link.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

struct HashJob {
  FileEntry entry;            // metadata from the walk; sha256 is filled in
  std::string on_disk;        // where to read it (the root joined with entry.path)
  bool want_sha256 = true;
  bool want_md5 = false;
  // When set (and want_md5 is not): the MD5 is computed too, by a second
  // read, only if the SHA-256 differs from this one. A comparison knows a
  // packaged file's MD5 from the baseline as long as its SHA-256 is the
  // baseline's, so an unchanged file is read once, with one digest.
  std::string md5_unless_sha256;
  std::string md5;            // filled in when computed
  std::string error;          // why it could not be read; empty on success
  std::uint64_t read_bytes = 0;
};

// Reads and hashes one file into job (sha256, md5, size, error).
void hash_file(HashJob& job, std::vector<unsigned char>& buffer);
// The same, giving up with an error once `cancelled` is set.
void hash_file(HashJob& job, std::vector<unsigned char>& buffer, const std::atomic<bool>& cancelled);

class FileHashPool {
 public:
  static constexpr std::size_t kQueueDepth = 4096;  // files
  static constexpr std::size_t kBatchFiles = 64;
  static constexpr std::uint64_t kBatchBytes = 8 << 20;
  static constexpr std::size_t kBufferSize = 1 << 20;

  // `done` runs on a worker thread for every job, hashed or not, and must
  // be thread-safe. `workers` 0: one per core.
  explicit FileHashPool(std::function<void(HashJob&&)> done, unsigned workers = 0);
  ~FileHashPool();  // finishes the queue
  FileHashPool(const FileHashPool&) = delete;
  FileHashPool& operator=(const FileHashPool&) = delete;

  // Queues a job; blocks while the queue is full. From one thread only
  // (the walk): it fills the next batch.
  void submit(HashJob job);
  // Waits until every submitted job is done; the pool can take no more.
  void finish();
  // Stops reading: the file being read and every one still queued are done
  // with an error ("... the comparison was stopped"), so finish() returns soon.
  void cancel();

  std::uint64_t files_done() const { return files_done_.load(); }
  std::uint64_t bytes_done() const { return bytes_done_.load(); }
  unsigned workers() const { return static_cast<unsigned>(threads_.size()); }

 private:
  void work();
  void hand_over();  // queues the batch being filled
  std::function<void(HashJob&&)> done_;
  std::vector<HashJob> filling_;
  std::uint64_t filling_bytes_ = 0;
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::condition_variable has_work_, has_room_;
  std::deque<std::vector<HashJob>> queue_;
  std::size_t queued_files_ = 0;
  bool closing_ = false;
  std::atomic<std::uint64_t> files_done_{0}, bytes_done_{0};
  std::vector<std::jthread> threads_;
};

}  // namespace responder::baseline
