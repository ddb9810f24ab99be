// Writing small records so that a crash leaves either the old or the new
// version on disk, never half of one.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder {

// Writes `text` to a temporary file beside `path`, fsyncs it, renames it over
// `path` and fsyncs the directory. The file gets `mode`.
Status write_file_atomically(const std::filesystem::path& path, std::string_view text, unsigned mode = 0644);
// Creates `path` (which must not exist), writes `text`, fsyncs file and directory.
Status write_new_file(const std::filesystem::path& path, std::string_view text, unsigned mode = 0444);
Status fsync_directory(const std::filesystem::path& directory);
// The whole of a regular file of at most `limit` bytes, or an error naming
// it: a directory, a device, a FIFO (input that could hang or never end) or
// a larger file is bad input; a file that cannot be opened or read, a
// failure. Never blocks on a FIFO.
Result<std::string> read_text_file(const std::filesystem::path& path, std::uint64_t limit = std::uint64_t{1} << 30);

}  // namespace responder
