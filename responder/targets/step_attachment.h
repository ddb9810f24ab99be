// An attachment received on this host: the bytes that followed a step
// request's line (step_protocol.h), kept in a private file for as long as
// the step runs, checked against the request's SHA-256 and size before the
// step may act on them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "responder/result.h"
#include "responder/targets/step_protocol.h"

namespace responder::targets {

// A received file in a directory of its own (mode 0700) under the temporary
// directory (std::filesystem::temp_directory_path: $TMPDIR and the like,
// else /tmp); both are removed with this object.
class StagedAttachment {
 public:
  StagedAttachment(std::filesystem::path dir, std::filesystem::path file, std::string sha256, std::uint64_t size)
      : dir_(std::move(dir)), file_(std::move(file)), sha256_(std::move(sha256)), size_(size) {}
  StagedAttachment(const StagedAttachment&) = delete;
  StagedAttachment& operator=(const StagedAttachment&) = delete;
  ~StagedAttachment();

  const std::filesystem::path& path() const { return file_; }
  const std::string& sha256() const { return sha256_; }
  std::uint64_t size() const { return size_; }

 private:
  std::filesystem::path dir_, file_;
  std::string sha256_;
  std::uint64_t size_;
};

// Reads exactly `header.size` bytes, first from the front of `already_read`
// (what was read past the request's line; the bytes taken are removed from
// it), then from `fd`, into a new staged file, hashing them as they arrive.
// Nothing is left behind on error: an interruption when the input ends
// early (the controller stopped), bad input when the bytes' SHA-256 is not
// `header.sha256`, a failure when a read or write fails.
Result<std::unique_ptr<StagedAttachment>> receive_attachment(const AttachmentHeader& header, std::string& already_read,
                                                             int fd);

// The same for bytes already in this process (the local executor): staged
// only when they match the header.
Result<std::unique_ptr<StagedAttachment>> stage_attachment(const AttachmentHeader& header, const std::string& bytes);

}  // namespace responder::targets
