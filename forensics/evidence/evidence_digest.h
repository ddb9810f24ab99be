// SHA-256 of a stream, whole and per fixed-size chunk, computed while the
// stream is being read and written (OpenSSL EVP).
//
// The caller takes a block with acquire(), fills it (read), may write it out,
// then submit()s it. In threaded mode two threads hash submitted blocks while
// the caller reads the next one: one computes the whole-stream hash (and the
// first chunk's, which is the whole hash at the first boundary), the other
// the hashes of chunks 2, 3, ... So a stream costs one SHA-256 pass of wall
// time, and memory is the fixed ring of blocks, whatever the stream's size.
//
// A sink, when given, sees every submitted block too, in stream order, on a
// third thread (inline mode: in submit(), before the hashing), and the block
// is not reused until the sink and both hashers are done with it: the
// evidence writer writes the file there, so the file, the whole hash and the
// chunk hashes are produced side by side from the very same bytes. Blocks are
// aligned to kBlockAlignment so the sink may write them with O_DIRECT.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "responder/sha256.h"
#include "responder/result.h"

namespace responder::evidence {

struct StreamDigest {
  std::uint64_t size = 0;
  std::string sha256;               // lowercase hex
  std::vector<std::string> chunks;  // lowercase hex; one for an empty stream
};

// Consumes one block of the stream; returns 0 or an errno. After the first
// non-zero return the sink is not called again (see sink_error()).
using BlockSink = std::function<int(const std::byte* data, std::size_t n)>;

class StreamHasher {
 public:
  static constexpr std::size_t kBlockAlignment = 4096;

  // `threaded` false hashes in the caller's thread on submit(): cheaper for
  // streams that are small or many at once (parallel collection).
  StreamHasher(std::uint64_t chunk_size, bool threaded, std::size_t block_size = 4u << 20, std::size_t blocks = 4,
               BlockSink sink = {});
  ~StreamHasher();
  StreamHasher(const StreamHasher&) = delete;
  StreamHasher& operator=(const StreamHasher&) = delete;

  // A block the caller may fill; valid until the matching submit().
  std::span<std::byte> acquire();
  // Hands the first `used` bytes of the acquired block to the hashers.
  void submit(std::size_t used);
  // Waits for the hashers (and the sink) and returns the digests. Call once.
  StreamDigest finish();
  // The first errno the sink returned, 0 while it has not failed. A sink
  // error is seen here once the failing block's sink call has returned.
  int sink_error() const;

 private:
  struct AlignedFree {
    void operator()(std::byte* p) const;
  };
  struct Slot {
    std::unique_ptr<std::byte, AlignedFree> data;
    std::size_t used = 0;
    int pending = 0;  // threads (hashers, sink) still to see this slot
  };
  template <typename Consume>
  void consume_in_order(std::uint64_t& done, Consume consume);
  // Ends the threads (finishing what was submitted, but see sink_block) and
  // frees the hash contexts. Idempotent.
  void stop();
  void sink_block(const std::byte* data, std::size_t n);
  void hash_whole(const std::byte* data, std::size_t n);
  void hash_chunks(const std::byte* data, std::size_t n, bool skip_first_chunk);

  std::uint64_t chunk_size_;
  bool threaded_;
  std::vector<Slot> slots_;
  std::uint64_t submitted_ = 0;  // blocks submitted (sequence numbers)
  std::uint64_t taken_ = 0;      // blocks acquired
  std::uint64_t whole_done_ = 0, chunks_done_ = 0, sink_done_ = 0;
  bool closing_ = false;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::thread whole_worker_, chunk_worker_, sink_worker_;

  std::size_t block_size_;
  BlockSink sink_;
  int sink_error_ = 0;  // guarded by mutex_

  // Whole-stream state (whole thread only).
  void* whole_ctx_ = nullptr;
  std::uint64_t whole_bytes_ = 0;
  std::string first_chunk_;
  // Chunk state (chunk thread, or caller in inline mode).
  void* chunk_ctx_ = nullptr;
  std::uint64_t chunk_bytes_ = 0;   // bytes seen by the chunk hasher
  std::vector<std::string> later_chunks_;
};

// Lowercase hex of raw bytes.
std::string hex_of(const unsigned char* data, std::size_t n);

}  // namespace responder::evidence
