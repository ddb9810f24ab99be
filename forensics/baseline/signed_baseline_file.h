// Writing and reading a baseline on disk: gzip-compressed JSON Lines (see
// baseline_file_format.h) with its detached signature FILE.sig (see
// baseline_signature.h).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "forensics/baseline/baseline_file_format.h"
#include "forensics/baseline/baseline_signature.h"
#include "responder/result.h"

namespace responder::baseline {

// Compresses lines as they come, in memory (a baseline compresses to a few
// bytes per file), and on finish() writes FILE and FILE.sig, each
// atomically (a crash leaves no half-written baseline).
class BaselineWriter {
 public:
  BaselineWriter();
  BaselineWriter(BaselineWriter&&) noexcept;
  ~BaselineWriter();
  // One line, without its newline.
  Status write_line(std::string_view line);

  struct Written {
    std::string sha256;  // of FILE's bytes: what to keep for safekeeping
    std::uint64_t size = 0;
    std::string key_fingerprint;
  };
  Result<Written> finish(const std::filesystem::path& file, const evidence::Ed25519Key& key);

 private:
  Status deflate_some(const void* data, std::size_t n, bool last);
  void* stream_ = nullptr;  // z_stream*
  std::string compressed_;
};

// The largest baseline file read (compressed).
inline constexpr std::uint64_t kMaxBaselineFile = std::uint64_t{2} << 30;

// FILE's bytes once FILE.sig proved them signed by `trusted` (refused on a
// missing or bad signature), with their SHA-256: what a controller sends
// to the hosts of a step with `targets:`.
struct VerifiedBaseline {
  std::shared_ptr<const std::string> bytes;
  std::string sha256;
};
Result<VerifiedBaseline> read_verified_baseline(const std::filesystem::path& file, const TrustedKey& trusted);

// Reads FILE and FILE.sig, checks the signature against `trusted` before
// any record is parsed (refused on a missing or bad signature), then
// decompresses and parses it (bad input naming the line on a defect).
Result<BaselineContents> read_baseline(const std::filesystem::path& file, const TrustedKey& trusted);

// Decompresses gzip bytes into the parser (exposed for the fuzzer and tests).
Result<BaselineContents> parse_compressed_baseline(std::string_view compressed);

}  // namespace responder::baseline
