// Exporting a sealed bundle for legal staff: one tar file that `responder
// evidence verify` accepts as it is, and that plain `tar -xf` followed by
// `sha256sum -c manifest.sha256` (inside the unpacked `<ID>-evidence/`)
// checks without our tool.
#pragma once

#include <filesystem>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "responder/result.h"

namespace responder::evidence {

// The incident's journal as the export found it: its bytes, read once, and
// what checking its hash chain over those bytes found.
struct JournalCopy {
  std::string bytes;
  bool intact = false;
  std::uint64_t records = 0;
  std::string head;  // "SEQ:SHA256" of its last record
  std::vector<std::string> problems;
  std::int64_t mtime = 0;  // the journal file's, for its entries in the tar
  bool torn_tail_left_out = false;  // a crash's incomplete last line was not copied
};

struct ExportOutcome {
  std::filesystem::path archive;
  std::string sha256;       // of the tar file, also written to <archive>.sha256
  std::size_t files = 0;
};

// Records the export in the custody log first (so the bundle carries its own
// export record, naming the journal copy's SHA-256 and head), then writes
// the archive under the store's lock: <ID>-evidence/ as sealed, and with a
// journal, <ID>-journal/ holding journal.jsonl, verification.json (what the
// hash-chain check found) and journal.sha256 for `sha256sum -c`. Refused
// for an unsealed bundle, and when `archive` already exists.
Result<ExportOutcome> export_evidence(const std::filesystem::path& evidence_directory, const std::string& incident_id,
                                      const std::filesystem::path& archive, const std::string& actor,
                                      const std::string& why, const std::optional<JournalCopy>& journal = std::nullopt);

}  // namespace responder::evidence
