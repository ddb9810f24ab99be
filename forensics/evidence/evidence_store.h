// The evidence store of one incident: `incidents/<ID>/evidence/`.
//
//   items/NNNN-<name>   the evidence itself, one file per item, immutable
//   manifest.json       what each item is (see evidence_item.h) and the bundle
//                       (case, examiner, host identity, clock, Merkle root)
//   manifest.sha256     `sha256sum -c` input for every item (and, once
//                       sealed, for manifest.json)
//   custody.jsonl       every act on the evidence, hash-chained, append-only
//   seal.json seal.sig seal.pub seal.tsq [seal.tsr]   see evidence_sealer.h
//
// Until the bundle is sealed, manifest.json and manifest.sha256 are rewritten
// atomically (temporary file, fsync, rename) as items arrive; each item's
// size and hash are also written to the append-only custody log the moment
// it is collected, so an edit to the open manifest is still caught. Sealing
// makes both immutable and closes the store: adding to a sealed store is
// refused.
//
// All writers take an exclusive flock(2) on the evidence directory, so steps
// and commands running at the same time cannot interleave records.
#pragma once

#include <filesystem>
#include <string>

#include "forensics/evidence/evidence_item.h"
#include "responder/json.h"
#include "responder/module.h"
#include "responder/result.h"

namespace responder::evidence {

// <incident_dir>/evidence
std::filesystem::path evidence_dir(const std::filesystem::path& incident_dir);

// Moves or copies a finished file into the store as one item.
//
// Guarantees, on success: the item is at `items/NNNN-<name>` (name reduced to
// [A-Za-z0-9._-]), its SHA-256 (whole and per 64 MiB chunk) was computed from
// the bytes as they were written (or, when the staged file could be renamed
// on the same file system, read back after the rename), it is fsync'd, its
// mode is 0400, it carries FS_IMMUTABLE_FL or the record says loudly why not,
// and the manifest and custody log ("collected") name it. The staged file is
// gone afterwards. `metadata["source"]`, when present and a string, is the
// item's source; otherwise the staged file's path is. `method` is the
// acquisition method in words ("libpcap live capture on eth0").
//
// Fails (nothing recorded, staged file left in place) when the store is
// sealed, the staged file is not a regular file, or a write fails.
Result<EvidenceItem> add_evidence_file(const StepContext& context, const std::filesystem::path& staged_file,
                                       const std::string& name, const json::object& metadata,
                                       const std::string& method);

// Where a collector writes a file that will become evidence (a capture in
// progress): <incident_dir>/evidence-staging, beside the store rather than
// inside the bundle, and on the same file system so add_evidence_file()
// renames it in without a second copy. Sealing is refused while a file
// waits here. Created on demand by the collector.
std::filesystem::path evidence_staging_dir(const std::filesystem::path& incident_dir);

// True once evidence.seal has closed the store.
bool evidence_sealed(const std::filesystem::path& evidence_directory);

}  // namespace responder::evidence
