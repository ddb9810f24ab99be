// One item of evidence as the manifest records it.
//
// An item is a file under `incidents/<ID>/evidence/items/`, written once,
// hashed while it was written, fsync'd and then made immutable. Its record
// says what it is (source, acquisition method, metadata), when and by whom it
// was acquired, and how to check it (size, SHA-256 of the whole file and of
// each 64 MiB chunk).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder::evidence {

// Chunk size for per-chunk hashes: a damaged image still proves the chunks
// that did not change.
inline constexpr std::uint64_t kEvidenceChunkSize = 64ull * 1024 * 1024;

struct EvidenceItem {
  std::uint64_t id = 0;             // 1, 2, ... in order of acquisition
  std::string name;                 // as the collector named it
  std::string path;                 // relative to evidence/, e.g. "items/0003-auth.log"
  std::uint64_t size = 0;
  std::string sha256;               // lowercase hex, whole file
  std::uint64_t chunk_size = kEvidenceChunkSize;
  std::vector<std::string> chunks;  // lowercase hex, one per chunk
  std::string source;               // where it came from (path, device, "live /proc")
  std::string method;               // acquisition method, e.g. "evidence.collect copy"
  json::object metadata;            // source metadata (owner, mode, times, read errors)
  std::string acquired_from;        // UTC, nanoseconds: reading began
  std::string acquired_to;          // UTC, nanoseconds: the item was complete
  std::string collector;            // "responder 0.1.0"
  std::string actor;                // who ran the step
  std::string step;                 // the playbook step, or the command
  // "immutable" when FS_IMMUTABLE_FL is in force on the file; otherwise
  // "NOT IN FORCE: <why>". Never claims write-once that is not in force.
  std::string write_once;

  json::object to_json() const;
  static Result<EvidenceItem> from_json(const json::value& value);
};

}  // namespace responder::evidence
