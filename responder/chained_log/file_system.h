// The file-system seam of the chained log: every byte a log writes, syncs or
// cuts goes through here, so crash tests can replace it (LevelDB's Env,
// SQLite's test VFS) and cut the power or fail a write at any record.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder::chained_log {

// One log file opened for appending. Failures name the file and the errno.
class AppendFile {
 public:
  virtual ~AppendFile() = default;
  virtual const std::filesystem::path& path() const = 0;
  // An exclusive flock(2) on the file, and its release.
  virtual Status lock() = 0;
  virtual void unlock() = 0;
  virtual Result<std::uint64_t> size() = 0;
  // The bytes from `offset` to the end.
  virtual Result<std::string> read_from(std::uint64_t offset) = 0;
  // Writes every byte at the end of the file or fails; after a failure some
  // of them may be in the file (the writer cuts them back).
  virtual Status append(std::string_view bytes) = 0;
  // fdatasync(2).
  virtual Status sync() = 0;
  // Cuts the file to `size` bytes; an append-only file (FS_APPEND_FL) is
  // opened up for the cut and made append-only again (CAP_LINUX_IMMUTABLE).
  virtual Status cut(std::uint64_t size) = 0;
  // The descriptor, for attributes the log's owner sets (write-once flags).
  virtual int descriptor() const = 0;
};

enum class OpenMode {
  existing,           // the file must exist
  create_new,         // the file must not exist; created with `mode`
  create_if_missing,  // created with `mode` unless it exists
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Opens `file` for appending (O_APPEND, close-on-exec). `created` tells
  // whether this call created it; the caller then syncs the directory.
  virtual Result<std::unique_ptr<AppendFile>> open_append(const std::filesystem::path& file, OpenMode how,
                                                          unsigned mode, bool* created) = 0;
  // The whole file as it is now.
  virtual Result<std::string> read_file(const std::filesystem::path& file) = 0;
  // Creates `file` (which must not exist), writes `bytes`, fsyncs it and its
  // directory.
  virtual Status write_new_file(const std::filesystem::path& file, std::string_view bytes, unsigned mode) = 0;
  virtual Status sync_directory(const std::filesystem::path& directory) = 0;
};

// The real one: POSIX calls on the local file system.
FileSystem& posix_file_system();
// What writers use unless told otherwise: posix_file_system(), or what a
// test installed.
FileSystem& default_file_system();
// For crash tests only: every writer opened afterwards uses `fs` (nullptr
// restores the real one). `fs` must outlive them.
void install_file_system_for_testing(FileSystem* fs);

}  // namespace responder::chained_log
