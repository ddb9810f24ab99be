#include "forensics/evidence/evidence_digest.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <new>
#include <stdexcept>

namespace responder::evidence {

std::string hex_of(const unsigned char* data, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  return out;
}

namespace {
EVP_MD_CTX* fresh_ctx() {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) != 1) throw std::runtime_error("OpenSSL SHA-256 unavailable");
  return ctx;
}
std::string final_hex(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  return hex_of(md, len);
}
EVP_MD_CTX* as_ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }
}  // namespace

void StreamHasher::AlignedFree::operator()(std::byte* p) const { std::free(p); }

StreamHasher::StreamHasher(std::uint64_t chunk_size, bool threaded, std::size_t block_size, std::size_t blocks,
                           BlockSink sink)
    : chunk_size_(chunk_size), threaded_(threaded), slots_(threaded ? blocks : 1), block_size_(block_size),
      sink_(std::move(sink)) {
  std::size_t rounded = (block_size + kBlockAlignment - 1) / kBlockAlignment * kBlockAlignment;
  for (auto& slot : slots_) {
    slot.data.reset(static_cast<std::byte*>(std::aligned_alloc(kBlockAlignment, rounded)));
    if (!slot.data) throw std::bad_alloc();
  }
  whole_ctx_ = fresh_ctx();
  chunk_ctx_ = fresh_ctx();
  if (!threaded_) return;
  // A thread that cannot start (the process's thread limit) must not leave
  // the ones already started joinable: that would terminate the process.
  try {
    whole_worker_ = std::thread([this] {
      consume_in_order(whole_done_, [this](const Slot& s) { hash_whole(s.data.get(), s.used); });
    });
    chunk_worker_ = std::thread([this] {
      consume_in_order(chunks_done_, [this](const Slot& s) { hash_chunks(s.data.get(), s.used, true); });
    });
    if (sink_)
      sink_worker_ = std::thread([this] {
        consume_in_order(sink_done_, [this](const Slot& s) { sink_block(s.data.get(), s.used); });
      });
  } catch (...) {
    stop();
    throw;
  }
}

void StreamHasher::stop() {
  {
    std::lock_guard lock(mutex_);
    closing_ = true;
  }
  changed_.notify_all();
  if (whole_worker_.joinable()) whole_worker_.join();
  if (chunk_worker_.joinable()) chunk_worker_.join();
  if (sink_worker_.joinable()) sink_worker_.join();
  EVP_MD_CTX_free(as_ctx(whole_ctx_));
  EVP_MD_CTX_free(as_ctx(chunk_ctx_));
  whole_ctx_ = chunk_ctx_ = nullptr;
}

StreamHasher::~StreamHasher() { stop(); }

std::span<std::byte> StreamHasher::acquire() {
  Slot& slot = slots_[taken_ % slots_.size()];
  if (threaded_) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return slot.pending == 0; });
  }
  ++taken_;
  return {slot.data.get(), block_size_};
}

void StreamHasher::submit(std::size_t used) {
  Slot& slot = slots_[submitted_ % slots_.size()];
  slot.used = used;
  if (!threaded_) {
    ++submitted_;
    if (sink_) sink_block(slot.data.get(), used);
    hash_whole(slot.data.get(), used);
    hash_chunks(slot.data.get(), used, true);
    return;
  }
  {
    std::lock_guard lock(mutex_);
    slot.pending = sink_ ? 3 : 2;
    ++submitted_;
  }
  changed_.notify_all();
}

// The first chunk's hash is the whole-stream hash at the first boundary: a
// copy of the context finalised there, so the first 64 MiB are hashed once.
void StreamHasher::hash_whole(const std::byte* data, std::size_t n) {
  auto* ctx = as_ctx(whole_ctx_);
  if (whole_bytes_ < chunk_size_ && whole_bytes_ + n >= chunk_size_) {
    std::size_t head = static_cast<std::size_t>(chunk_size_ - whole_bytes_);
    EVP_DigestUpdate(ctx, data, head);
    EVP_MD_CTX* copy = EVP_MD_CTX_new();
    EVP_MD_CTX_copy_ex(copy, ctx);
    first_chunk_ = final_hex(copy);
    EVP_MD_CTX_free(copy);
    EVP_DigestUpdate(ctx, data + head, n - head);
  } else {
    EVP_DigestUpdate(ctx, data, n);
  }
  whole_bytes_ += n;
}

void StreamHasher::hash_chunks(const std::byte* data, std::size_t n, bool skip_first_chunk) {
  auto* ctx = as_ctx(chunk_ctx_);
  while (n > 0) {
    std::uint64_t in_chunk = chunk_bytes_ % chunk_size_;
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, chunk_size_ - in_chunk));
    bool first = chunk_bytes_ < chunk_size_;
    if (!(first && skip_first_chunk)) EVP_DigestUpdate(ctx, data, take);
    chunk_bytes_ += take;
    data += take;
    n -= take;
    if (chunk_bytes_ % chunk_size_ == 0 && !first) {
      later_chunks_.push_back(final_hex(ctx));
      EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    }
  }
}

void StreamHasher::sink_block(const std::byte* data, std::size_t n) {
  {
    std::lock_guard lock(mutex_);
    // After an error, or once the stream is abandoned (destroyed before
    // finish()), nothing more is written.
    if (sink_error_ != 0 || closing_) return;
  }
  if (n == 0) return;
  int err = sink_(data, n);
  if (err != 0) {
    std::lock_guard lock(mutex_);
    sink_error_ = err;
  }
}

int StreamHasher::sink_error() const {
  std::lock_guard lock(mutex_);
  return sink_error_;
}

// One consumer thread: sees every submitted slot in sequence, then releases
// its share of the slot.
template <typename Consume>
void StreamHasher::consume_in_order(std::uint64_t& done, Consume consume) {
  for (std::uint64_t seq = 0;; ++seq) {
    Slot* slot;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return submitted_ > seq || closing_; });
      if (submitted_ <= seq) return;
      slot = &slots_[seq % slots_.size()];
    }
    consume(*slot);
    {
      std::lock_guard lock(mutex_);
      --slot->pending;
      done = seq + 1;
    }
    changed_.notify_all();
  }
}

StreamDigest StreamHasher::finish() {
  if (threaded_) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] {
      return whole_done_ == submitted_ && chunks_done_ == submitted_ && (!sink_ || sink_done_ == submitted_);
    });
  }
  StreamDigest digest;
  digest.size = whole_bytes_;
  digest.sha256 = final_hex(as_ctx(whole_ctx_));
  // The first chunk: the whole hash when the stream ended inside it.
  digest.chunks.push_back(whole_bytes_ >= chunk_size_ ? first_chunk_ : digest.sha256);
  for (auto& c : later_chunks_) digest.chunks.push_back(c);
  // A final partial chunk beyond the first.
  if (chunk_bytes_ > chunk_size_ && chunk_bytes_ % chunk_size_ != 0) digest.chunks.push_back(final_hex(as_ctx(chunk_ctx_)));
  return digest;
}

}  // namespace responder::evidence
