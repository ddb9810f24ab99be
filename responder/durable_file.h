// Writing small records so that a crash leaves either the old or the new
// version on disk, never half of one.
#pragma once

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
// The whole file, or an error naming it.
Result<std::string> read_text_file(const std::filesystem::path& path);

}  // namespace responder
