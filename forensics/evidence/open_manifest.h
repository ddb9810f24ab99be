// The manifest of an open evidence store, kept in this process between the
// batches that add items to it.
//
// Recording a batch used to read, parse and render the whole manifest again,
// so collecting N files cost O(N^2): 2,000 small files took 146 s with one
// worker, most of it in the JSON parser. The copy kept here is reused when
// manifest.json still holds exactly the bytes this process last wrote (a byte
// comparison, not a timestamp), so anything else that changed the file (the
// seal, another process, a hand edit) makes the next batch read it afresh.
// Adding items renders only the new ones.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "forensics/evidence/evidence_manifest.h"
#include "responder/result.h"

namespace responder::evidence {

class OpenManifest : public std::enable_shared_from_this<OpenManifest> {
 public:
  // The store's manifest, or a new open one when it has none
  // (EvidenceManifest::open_or_create). The caller holds the store's
  // EvidenceLock from load() until after append().
  static Result<std::shared_ptr<OpenManifest>> load(const std::filesystem::path& evidence_directory,
                                                    const std::string& incident_id);

  const EvidenceManifest& manifest() const { return manifest_; }
  // The number the next item gets.
  std::uint64_t next_id() const { return manifest_.items.empty() ? 1 : manifest_.items.back().id + 1; }

  // Adds the items and rewrites manifest.json and manifest.sha256 atomically
  // (the bytes EvidenceManifest::write would write). On failure the kept copy
  // is dropped, so the next load() reads what is on disk.
  Status append(std::vector<EvidenceItem> items);

  // Drops the copy kept for this store (sealing: no more items will come).
  static void forget(const std::filesystem::path& evidence_directory);

 private:
  std::filesystem::path directory_;
  EvidenceManifest manifest_;
  std::string head_;
  std::vector<std::string> item_texts_;
  std::string sums_;
  std::string written_;  // manifest.json as this process last wrote it
};

}  // namespace responder::evidence
