// `evidence/manifest.json` and its `sha256sum -c` companion `manifest.sha256`.
//
//   {"format": "responder-evidence-manifest/1",
//    "bundle": {"incident", "created", "state": "open"|"sealed", "host": {...},
//               "clock": {...}, "case_number", "evidence_number", "examiner",
//               "sealed", "sealed_by", "clock_at_seal", "merkle_root", "write_once": {...}},
//    "items": [<EvidenceItem>, ...]}
//
// While the bundle is open the manifest is rewritten atomically after each
// item; sealing writes it one last time and makes it immutable.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "forensics/evidence/evidence_item.h"
#include "responder/json.h"
#include "responder/result.h"
#include "responder/version.h"

namespace responder::evidence {
inline const std::string kEvidenceCollector = std::string("responder ") + kResponderVersion;
}

namespace responder::evidence {

struct EvidenceManifest {
  json::object bundle;
  std::vector<EvidenceItem> items;

  json::object to_json() const;
  // The exact bytes written to manifest.json (pretty, stable key order).
  std::string text() const;
  // `sha256sum -c` lines: every item, plus manifest.json itself when
  // `manifest_text` is given (at seal, when it no longer changes).
  std::string sums(const std::string* manifest_text) const;

  static Result<EvidenceManifest> parse(const std::string& text);
  static Result<EvidenceManifest> read(const std::filesystem::path& evidence_directory);
  // The manifest, or a new open one stamped with this host's identity and
  // clock when the store has none yet (caller holds the EvidenceLock).
  static Result<EvidenceManifest> open_or_create(const std::filesystem::path& evidence_directory,
                                                 const std::string& incident_id);
  // Atomic rewrite of manifest.json and manifest.sha256 (open bundle only).
  Status write(const std::filesystem::path& evidence_directory, bool include_manifest_in_sums) const;
};

// Pretty JSON, two-space indent, keys in insertion order: what people read.
std::string pretty_json(const json::value& value);

// The pieces of EvidenceManifest::text(), for adding items without rendering
// the whole manifest again: text() == manifest_text(manifest_text_head(bundle),
// {manifest_item_text(item) for each item}).
std::string manifest_text_head(const json::object& bundle);
std::string manifest_item_text(const EvidenceItem& item);
std::string manifest_text(const std::string& head, const std::vector<std::string>& item_texts);
// One `sha256sum -c` line of sums().
std::string manifest_sum_line(const EvidenceItem& item);

}  // namespace responder::evidence
