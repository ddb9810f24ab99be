// A POSIX tar (pax interchange format, IEEE Std 1003.1-2001) writer.
//
// Headers are ustar; a pax extended header ('x') precedes an entry whose
// name does not fit ustar's 100+155 bytes or whose size reaches 8 GiB, so
// GNU tar, bsdtar and busybox tar all read the result. Owner is 0/0 with
// empty names (the bundle must not depend on our user database); modes and
// modification times are the files' own. The archive is streamed: memory
// does not grow with file size. It is SHA-256 hashed as it is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder::evidence {

class TarWriter {
 public:
  static Result<TarWriter> create(const std::filesystem::path& archive);
  TarWriter(TarWriter&& other) noexcept;
  TarWriter& operator=(TarWriter&&) = delete;
  ~TarWriter();

  // `name` is the path inside the archive; directories end without '/'.
  Status add_directory(const std::string& name, unsigned mode, std::int64_t mtime);
  Status add_file(const std::string& name, const std::filesystem::path& source);
  // A file of these bytes (held in memory: a journal copy, a report).
  Status add_bytes(const std::string& name, std::string_view bytes, unsigned mode, std::int64_t mtime);
  // Writes the end-of-archive blocks, pads to a 10240-byte record, fsyncs.
  Status close();
  // Lowercase hex SHA-256 of the archive, after close().
  const std::string& sha256() const { return sha256_; }

 private:
  TarWriter(int fd, std::filesystem::path path);
  Status header(const std::string& name, char type, unsigned mode, std::uint64_t size, std::int64_t mtime);
  Status emit(const void* data, std::size_t n);

  int fd_ = -1;
  std::filesystem::path path_;
  void* hash_ = nullptr;  // EVP_MD_CTX*
  std::uint64_t offset_ = 0;
  std::string sha256_;
};

}  // namespace responder::evidence
