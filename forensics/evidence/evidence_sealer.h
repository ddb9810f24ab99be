// Sealing an incident's evidence bundle: after this, nothing is added and
// every byte can be proven unchanged.
//
// seal_evidence() first re-reads every item and checks the custody chain (a
// damaged bundle is refused, never laundered by a signature), then:
//   1. writes manifest.json one last time (state "sealed", case and evidence
//      numbers, examiner, clock at seal, Merkle root) and manifest.sha256
//      (now also listing manifest.json);
//   2. writes seal.json, the signed statement: Merkle root (RFC 6962) over
//      every item record and every custody entry so far, SHA-256 of
//      manifest.json and manifest.sha256, the last custody entry's hash, the
//      public key's fingerprint, who sealed and when;
//   3. signs seal.json with Ed25519: seal.sig (raw 64 bytes), seal.pub (PEM);
//      the key is the configured one, or one generated now and destroyed
//      after signing;
//   4. writes seal.tsq (RFC 3161 request over SHA-256 of seal.json);
//   5. makes manifest.*, seal.* immutable, and appends "sealed" to custody.
// seal.json is written last, so its presence is what "sealed" means.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/module.h"
#include "responder/result.h"

namespace responder::evidence {

struct SealOptions {
  std::string case_number;
  std::string evidence_number;
  std::string examiner;                  // default: the actor
  std::filesystem::path signing_key;     // empty: generate one for this seal
};

struct SealOutcome {
  bool already_sealed = false;
  std::string merkle_root;
  std::string public_key_pem;
  std::string fingerprint;
  std::size_t items = 0;
  std::size_t custody_entries = 0;
  std::string sealed_at;
  std::vector<std::string> warnings;     // write-once not in force, and why
};

Result<SealOutcome> seal_evidence(const StepContext& context, const SealOptions& options);

// The seal as recorded, for a store that is already sealed.
Result<SealOutcome> read_seal(const std::filesystem::path& evidence_directory);

}  // namespace responder::evidence
