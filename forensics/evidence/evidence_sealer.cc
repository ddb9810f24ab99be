#include "forensics/evidence/evidence_sealer.h"

#include <spdlog/spdlog.h>

#include "forensics/evidence/custody_log.h"
#include "forensics/evidence/evidence_digest.h"
#include "responder/durable_file.h"
#include "forensics/evidence/evidence_host.h"
#include "forensics/evidence/evidence_lock.h"
#include "forensics/evidence/evidence_manifest.h"
#include "forensics/evidence/evidence_signature.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/evidence_time.h"
#include "forensics/evidence/evidence_timestamp.h"
#include "forensics/evidence/evidence_verifier.h"
#include "forensics/evidence/immutable_file.h"
#include "forensics/evidence/merkle_tree.h"
#include "forensics/evidence/open_manifest.h"

namespace responder::evidence {
namespace {

std::string text_field(const json::object& o, const char* key) {
  if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return "";
}

}  // namespace

Result<SealOutcome> read_seal(const std::filesystem::path& dir) {
  auto text = read_text_file(dir / "seal.json");
  if (!text) return text.error();
  auto pub = read_text_file(dir / "seal.pub");
  if (!pub) return pub.error();
  SealOutcome outcome;
  outcome.already_sealed = true;
  try {
    auto seal = parse_json(*text).as_object();
    outcome.merkle_root = text_field(seal, "merkle_root");
    outcome.fingerprint = text_field(seal, "public_key_sha256");
    outcome.sealed_at = text_field(seal, "sealed_at");
    if (auto* n = seal.if_contains("items"); n && n->is_int64()) outcome.items = static_cast<std::size_t>(n->get_int64());
    if (auto* n = seal.if_contains("custody_entries"); n && n->is_int64())
      outcome.custody_entries = static_cast<std::size_t>(n->get_int64());
  } catch (const std::exception& e) {
    return failure(std::string("seal.json is damaged: ") + e.what());
  }
  outcome.public_key_pem = *pub;
  return outcome;
}

Result<SealOutcome> seal_evidence(const StepContext& context, const SealOptions& options) {
  if (context.incident_dir.empty()) return bad_input("sealing needs an incident");
  auto dir = evidence_dir(context.incident_dir);
  auto lock = EvidenceLock::acquire(dir);
  if (!lock) return lock.error();
  if (evidence_sealed(dir)) return read_seal(dir);

  // An acquisition still writing (or cut off by a crash) must be resolved by
  // a person first; sealing around it would hide it.
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir / "items", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    if (it->path().filename().string().rfind(".partial-", 0) == 0)
      return refusal("evidence is still being written (" + it->path().string() +
                     "); wait for that step, or if it was cut off by a crash, move it aside, then seal");

  for (auto staging : {evidence_staging_dir(context.incident_dir), dir / "staging"})
    if (std::filesystem::is_directory(staging, ec) && !std::filesystem::is_empty(staging, ec))
      return refusal("evidence is still being captured into " + staging.string() +
                     "; wait for that step to add it to the store, then seal");

  // Sealed, the store takes no more items: the copy kept for adding them goes.
  OpenManifest::forget(dir);
  auto manifest = EvidenceManifest::open_or_create(dir, context.incident_id);
  if (!manifest) return manifest.error();
  auto custody = read_custody_lines(dir);
  if (!custody) return custody.error();
  if (auto broken = custody_chain_problems(*custody); !broken.empty())
    return refusal("the custody log is broken; refusing to seal over it: " + broken.front());
  for (auto& item : manifest->items) {
    auto problems = item_problems(dir, item.to_json());
    if (!problems.empty())
      return refusal("item " + item.path + " no longer matches its record; refusing to seal over it: " +
                     problems.front());
    if (context.should_stop()) return interruption("sealing interrupted while checking items; nothing was sealed");
  }

  auto key = options.signing_key.empty() ? Ed25519Key::generate() : Ed25519Key::load(options.signing_key);
  if (!key) return key.error();

  SealOutcome outcome;
  outcome.sealed_at = now_utc_ns();
  outcome.public_key_pem = key->public_pem();
  outcome.fingerprint = key->fingerprint();
  outcome.items = manifest->items.size();
  outcome.custody_entries = custody->size();

  // 1. The final manifest.
  auto& bundle = manifest->bundle;
  bundle["state"] = "sealed";
  bundle["case_number"] = options.case_number;
  bundle["evidence_number"] = options.evidence_number;
  bundle["examiner"] = options.examiner.empty() ? context.actor : options.examiner;
  bundle["sealed"] = outcome.sealed_at;
  bundle["sealed_by"] = context.actor;
  bundle["clock_at_seal"] = clock_state();
  bundle["host_at_seal"] = host_identity();
  json::array records;
  for (auto& item : manifest->items) records.emplace_back(item.to_json());
  outcome.merkle_root = merkle_root_hex(evidence_leaves(records, *custody));
  bundle["merkle_root"] = outcome.merkle_root;
  json::object leaves;
  leaves["items"] = manifest->items.size();
  leaves["custody_entries"] = custody->size();
  leaves["rule"] = "RFC 6962 MTH over \"item \" + compact JSON of each item record, then \"custody \" + each line";
  bundle["merkle_leaves"] = std::move(leaves);
  std::string manifest_text = manifest->text();
  std::string sums_text = manifest->sums(&manifest_text);
  if (auto s = write_file_atomically(dir / "manifest.json", manifest_text, 0444); !s) return s.error();
  if (auto s = write_file_atomically(dir / "manifest.sha256", sums_text, 0444); !s) return s.error();

  // 2-4. The signed statement, its signature, key and timestamp request.
  auto custody_flag = has_write_once(dir / "custody.jsonl", WriteOnceFlag::append_only);
  json::object seal;
  seal["format"] = "responder-evidence-seal/1";
  seal["incident"] = context.incident_id;
  seal["case_number"] = options.case_number;
  seal["evidence_number"] = options.evidence_number;
  seal["examiner"] = bundle["examiner"];
  seal["sealed_at"] = outcome.sealed_at;
  seal["sealed_by"] = context.actor;
  seal["host"] = host_name();
  seal["merkle_root"] = outcome.merkle_root;
  seal["items"] = manifest->items.size();
  seal["custody_entries"] = custody->size();
  seal["custody_head"] = custody_head(*custody);
  seal["manifest_sha256"] = sha256_hex(manifest_text);
  seal["manifest_sums_sha256"] = sha256_hex(sums_text);
  seal["custody_write_once"] = custody_flag && *custody_flag ? "append-only" : "NOT IN FORCE";
  // Probed on manifest.sha256 below before the statement is written: the
  // statement must not claim what the file system refused.
  seal["records_write_once"] = "immutable";
  seal["signature"] = "Ed25519 over the exact bytes of seal.json (seal.sig, raw 64 bytes; key seal.pub)";
  seal["public_key_sha256"] = outcome.fingerprint;
  seal["key_origin"] = options.signing_key.empty()
                           ? "generated for this seal; the private key was destroyed after signing"
                           : "configured evidence signing key";
  if (Status probe = set_write_once(dir / "manifest.sha256", WriteOnceFlag::immutable); !probe) {
    seal["records_write_once"] = "NOT IN FORCE: " + probe.error().message;
    outcome.warnings.push_back("sealed records are NOT write-once: " + probe.error().message);
  }
  std::string seal_text = pretty_json(seal);
  auto signature = key->sign(seal_text);
  if (!signature) return signature.error();
  auto request = timestamp_request(seal_text);
  if (!request) return request.error();
  if (auto s = write_file_atomically(dir / "seal.pub", outcome.public_key_pem, 0444); !s) return s.error();
  if (auto s = write_file_atomically(dir / "seal.sig", *signature, 0444); !s) return s.error();
  if (auto s = write_file_atomically(dir / "seal.tsq", *request, 0444); !s) return s.error();
  if (auto s = write_file_atomically(dir / "seal.json", seal_text, 0444); !s) return s.error();

  // 5. Write-once for the records, then the custody act.
  for (const char* name : {"manifest.json", "seal.json", "seal.sig", "seal.pub", "seal.tsq"})
    if (Status s = set_write_once(dir / name, WriteOnceFlag::immutable); !s)
      outcome.warnings.push_back(std::string(name) + " is NOT write-once: " + s.error().message);
  if (!custody_flag || !*custody_flag)
    outcome.warnings.push_back("custody.jsonl is NOT append-only" +
                               (custody_flag ? std::string() : ": " + custody_flag.error().message));
  for (auto& warning : outcome.warnings) spdlog::warn("EVIDENCE SEAL: {}", warning);

  CustodyAct act;
  act.act = "sealed";
  act.who = text_field(bundle, "examiner");
  act.why = context.step_id.empty() ? "bundle sealed" : "bundle sealed by step " + context.step_id;
  act.details["merkle_root"] = outcome.merkle_root;
  act.details["public_key_sha256"] = outcome.fingerprint;
  act.details["seal_sha256"] = sha256_hex(seal_text);
  act.details["recorded_by"] = context.actor;
  if (!outcome.warnings.empty()) {
    json::array w;
    for (auto& text : outcome.warnings) w.emplace_back(text);
    act.details["warnings"] = std::move(w);
  }
  auto appended = append_custody(dir, act);
  if (!appended) return appended.error();
  return outcome;
}

}  // namespace responder::evidence
