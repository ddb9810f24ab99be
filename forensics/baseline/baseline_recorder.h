// Recording a baseline of a known-good host: every file system object under
// the paths (hashed on every core, each file read once), and the host's
// inventory (host_inventory.h), then written signed (signed_baseline_file.h).
#pragma once

#include <functional>
#include <filesystem>
#include <string>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"
#include "forensics/baseline/hashing_progress.h"
#include "forensics/baseline/host_inventory.h"
#include "forensics/baseline/signed_baseline_file.h"

namespace responder::baseline {

struct RecordOptions {
  std::filesystem::path root = "/";          // the tree to record; "/" is the host
  std::vector<std::string> paths = default_baseline_paths();
  InventorySources inventory;                // its root is set to `root`
  bool packages = true;                      // record the MD5 of files dpkg owns (see FileEntry::md5)
  unsigned workers = 0;                      // 0: one per core
  ProgressReport progress;                   // may be empty
  std::function<bool()> stop;                // true: stop early (interrupted, past the deadline)
};

// What was found, sorted: files by path, the inventory by kind and key.
// Files that could not be read are left out and named in header.notes.
struct BaselineRecording {
  BaselineHeader header;
  std::vector<FileEntry> files;
  std::vector<InventoryRecord> inventory;
  std::uint64_t bytes_hashed = 0;
};

// Interrupted when `stop` was set; otherwise always a recording (an
// unreadable file is a note, not a failure).
Result<BaselineRecording> record_baseline(const RecordOptions& options);

// Writes the recording as FILE and FILE.sig, signed with `key`.
Result<BaselineWriter::Written> write_baseline(const BaselineRecording& recording, const std::filesystem::path& file,
                                               const evidence::Ed25519Key& key);

}  // namespace responder::baseline
