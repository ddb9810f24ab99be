// Checking an evidence bundle, for someone who does not trust whoever made it.
//
// verify_evidence() checks, and names every mismatch:
//   - the seal: seal.pub is the key seal.json names, seal.sig is its Ed25519
//     signature of seal.json, and (when given) the key is the one kept apart;
//   - manifest.json and manifest.sha256 are the ones sealed (their SHA-256 in
//     seal.json), and the RFC 6962 Merkle root over the item records and the
//     sealed custody lines is the one signed;
//   - every item: present, size, SHA-256, and which 64 MiB chunks differ;
//     nothing in the bundle that the manifest does not list;
//   - every item matches its "collected" custody record, so an edit to the
//     manifest made before sealing is caught too;
//   - the custody chain, line by line;
//   - on a live store, the immutable / append-only attributes that the
//     records say are in force;
//   - seal.tsr, when present, answers seal.tsq for this seal.json.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/json.h"

namespace responder::evidence {

enum class Outcome { holds, broken, note };

struct VerifyFinding {
  Outcome outcome = Outcome::holds;
  std::string subject;  // what was checked: "items/0002-auth.log", "seal.sig", "custody line 4"
  std::string detail;   // what was found, in words
};

struct VerifyReport {
  std::vector<VerifyFinding> findings;
  // True only when nothing is broken and the bundle is sealed.
  bool holds() const;
  std::size_t broken() const;
};

struct VerifyOptions {
  // Check FS_IMMUTABLE_FL / FS_APPEND_FL (a live store, not an unpacked copy).
  bool check_write_once = true;
  // The public key fingerprint kept apart from the bundle, if the examiner has one.
  std::string expected_fingerprint;
  // PEM roots of trusted time-stamping authorities, for seal.tsr.
  std::filesystem::path tsa_ca_file;
};

VerifyReport verify_evidence(const std::filesystem::path& evidence_directory, const VerifyOptions& options);

// The Merkle leaves of a bundle: "item " + compact JSON of each item record,
// then "custody " + each custody line, in order.
std::vector<std::string> evidence_leaves(const json::array& item_records, const std::vector<std::string>& custody_lines);

// Re-reads one item file and compares it to its record; empty when it holds,
// else each problem in words ("SHA-256 differs in chunk 3 of 32").
std::vector<std::string> item_problems(const std::filesystem::path& evidence_directory, const json::object& record);

}  // namespace responder::evidence
