// Writing one item into an incident's evidence store.
//
// A writer creates `items/.partial-<random>-<name>` (mode 0400), and every
// block written is hashed while it is written (evidence_digest.h). finish()
// fsyncs the file, then under the store's lock gives it the next item number
// (renaming it to `items/NNNN-<name>`), sets FS_IMMUTABLE_FL, records it in
// the manifest, and appends a "collected" act to the custody log. A writer
// destroyed without finish() removes its partial file: it never became
// evidence and no record names it.
//
// A large writer writes on a thread of its own beside the two hashers, with
// O_DIRECT where the file system allows it: the bytes go from the hashed
// block to the disk without a second copy through the page cache, whose
// writeback is the slow part on virtual disks. Unaligned tails (and file
// systems that refuse O_DIRECT) are written through the page cache.
//
// On a far side (context.evidence_relay set) nothing is written to this
// host: the hashed blocks go to the controller as they are produced, and
// finish() returns the controller's record once it has stored the item
// under the same SHA-256 (evidence_relay.h), or the controller's refusal.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "forensics/evidence/evidence_digest.h"
#include "forensics/evidence/evidence_item.h"
#include "responder/json.h"
#include "responder/module.h"
#include "responder/result.h"
#include "responder/targets/evidence_relay.h"

namespace responder::evidence {

class EvidenceWriter {
 public:
  // Refused when the store is sealed. `large` hashes on two threads while
  // the caller reads (images, big files); small items hash inline.
  // `expected_size`, when known, is allocated up front (fallocate) so the
  // file's blocks are not allocated write by write; finish() trims the file
  // to what was written.
  static Result<std::unique_ptr<EvidenceWriter>> begin(const StepContext& context, const std::string& name,
                                                       bool large, std::uint64_t expected_size = 0);
  ~EvidenceWriter();

  // Zero-copy path: fill block(), then commit_block(n) writes and hashes the
  // first n bytes. Do not mix with write().
  std::span<std::byte> block();
  Status commit_block(std::size_t used);
  // Buffered path for records (JSON lines).
  Status write(std::string_view bytes);
  std::uint64_t written() const { return written_; }

  // See the header comment. `metadata` describes the source; `method` the
  // acquisition. Fails (and records nothing) when fsync or the rename fails,
  // or when `expected_sha256` is given and the bytes written hash otherwise.
  Result<EvidenceItem> finish(const std::string& source, const json::object& metadata, const std::string& method,
                              const std::string& expected_sha256 = {});

  // Takes a finished file that sits on the same file system as the store:
  // renames it in, hashes it by reading it back, then finishes as above.
  // Fails with errno EXDEV in the message when it is on another file
  // system; the file is then untouched.
  static Result<EvidenceItem> adopt(const StepContext& context, const std::filesystem::path& file,
                                    const std::string& name, const std::string& source,
                                    const json::object& metadata, const std::string& method);

 private:
  EvidenceWriter() = default;
  Status flush_pending();
  // The sink: runs on the hasher's sink thread (large) or in submit().
  int write_out(const std::byte* data, std::size_t n);
  Status sink_status() const;

  const StepContext* context_ = nullptr;
  std::filesystem::path directory_;  // evidence/
  std::filesystem::path partial_;
  std::string name_;
  std::string started_;
  int fd_ = -1;
  std::unique_ptr<StreamHasher> hasher_;
  std::span<std::byte> current_;
  std::size_t filled_ = 0;
  std::uint64_t written_ = 0;
  // Sink-thread state: bytes written to the file, writeback started up to.
  std::uint64_t written_out_ = 0;
  std::uint64_t synced_ = 0;
  bool direct_ = false;
  std::uint64_t preallocated_ = 0;
  bool finished_ = false;
  // Far side: the channel to the controller's store, and this item on it.
  targets::EvidenceRelay* relay_ = nullptr;
  std::uint64_t relay_item_ = 0;
  std::string relay_error_;
};

// Reduces a collector's name to a safe file name: [A-Za-z0-9._-], other
// characters become '_', never empty, never starting with '.'.
std::string evidence_file_name(std::string_view name);

}  // namespace responder::evidence
