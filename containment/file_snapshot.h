// A configuration file's exact prior state (bytes, mode, owner), kept in a
// step's receipt so that undo puts back the very same file; and the atomic
// replacement every host-containment module writes configuration with.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "responder/json.h"
#include "responder/result.h"

namespace responder {

struct FileSnapshot {
  std::filesystem::path path;
  bool existed = false;
  std::string content;
  mode_t mode = 0644;
  uid_t owner = 0;
  gid_t group = 0;

  // Receipt form: content in base64, so that any bytes survive the journal.
  json::object to_json() const;
  static Result<FileSnapshot> from_json(const json::object& o);
};

// Reads `path` whole (at most 8 MiB; larger is refused as not a
// configuration file). A missing file gives existed = false.
Result<FileSnapshot> snapshot_file(const std::filesystem::path& path);

// Replaces `path` with `content` so that readers see either the old or the
// new file, never a part: a temporary file beside it with the given mode and
// owner, fsync'd, renamed over it, and the directory fsync'd.
Status replace_file(const std::filesystem::path& path, std::string_view content, mode_t mode, uid_t owner,
                    gid_t group);

// Puts the snapshot back byte for byte (or removes the file when it did not
// exist), with its mode and owner.
Status restore_file(const FileSnapshot& snapshot);

}  // namespace responder
