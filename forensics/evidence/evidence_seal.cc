// evidence.seal: closes the incident's evidence bundle and signs it (see
// evidence_sealer.h). Nothing is undone: a seal is a record, like evidence.
#include "forensics/evidence/evidence_sealer.h"
#include "forensics/evidence/evidence_manifest.h"
#include "forensics/evidence/evidence_store.h"
#include "responder/config.h"
#include "responder/record_module.h"

namespace responder::evidence {
namespace {

std::string text_param(const json::object& params, const json::object& section, const char* key) {
  if (auto* v = params.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  if (auto* v = section.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return "";
}

SealOptions options_for(const json::object& params, const StepContext& context) {
  SealOptions options;
  json::object section = context.config ? context.config->section("evidence") : json::object{};
  options.case_number = text_param(params, section, "case_number");
  options.evidence_number = text_param(params, section, "evidence_number");
  options.examiner = text_param(params, section, "examiner");
  if (context.config) {
    if (auto it = context.config->keys.find("evidence_signing"); it != context.config->keys.end())
      options.signing_key = it->second;
  }
  if (auto* key = section.if_contains("signing_key"); key && key->is_string())
    options.signing_key = std::string(key->get_string());
  return options;
}

Receipt receipt_for(const SealOutcome& seal) {
  Receipt receipt;
  receipt.output["merkle_root"] = seal.merkle_root;
  receipt.output["public_key"] = seal.public_key_pem;
  receipt.output["public_key_sha256"] = seal.fingerprint;
  receipt.output["items"] = seal.items;
  receipt.output["custody_entries"] = seal.custody_entries;
  receipt.output["sealed_at"] = seal.sealed_at;
  receipt.changes.push_back(std::string(seal.already_sealed ? "evidence was already sealed" : "sealed the evidence") +
                            ": " + std::to_string(seal.items) + " items, Merkle root " + seal.merkle_root);
  receipt.changes.push_back("seal public key SHA-256 " + seal.fingerprint +
                            " - keep this apart from the bundle; `responder evidence verify --fingerprint` checks it");
  // One line, so that it reads as one on a terminal and in the report: the
  // PEM's base64 body (the whole PEM is in the step's output).
  std::string body;
  for (std::size_t at = 0; at < seal.public_key_pem.size();) {
    std::size_t end = seal.public_key_pem.find('\n', at);
    if (end == std::string::npos) end = seal.public_key_pem.size();
    std::string line = seal.public_key_pem.substr(at, end - at);
    if (!line.starts_with("-----")) body += line;
    at = end + 1;
  }
  receipt.changes.push_back("seal public key (SubjectPublicKeyInfo, base64): " + body);
  for (auto& w : seal.warnings) receipt.changes.push_back("WARNING: " + w);
  return receipt;
}

class EvidenceSeal final : public RecordModule {
 public:
  std::string_view name() const override { return "evidence.seal"; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    PlanResult plan;
    auto options = options_for(params, context);
    std::size_t items = 0;
    if (!context.incident_dir.empty()) {
      auto dir = evidence_dir(context.incident_dir);
      if (evidence_sealed(dir)) {
        plan.changes.push_back("nothing: the evidence is already sealed");
        return plan;
      }
      if (auto manifest = EvidenceManifest::read(dir)) items = manifest->items.size();
    }
    plan.changes.push_back("seal the evidence bundle (" +
                           (context.incident_dir.empty() ? std::string("all items collected by then")
                                                         : std::to_string(items) + " items so far") +
                           "): Merkle root, Ed25519 signature with " +
                           (options.signing_key.empty() ? std::string("a key generated for this seal")
                                                        : "the configured key " + options.signing_key.string()) +
                           ", RFC 3161 request; nothing can be added afterwards");
    plan.detail["signing_key"] = options.signing_key.empty() ? "generated" : options.signing_key.string();
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    auto seal = seal_evidence(context, options_for(params, context));
    if (!seal) return seal.error();
    return receipt_for(*seal);
  }

  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object&,
                              StepContext& context) const override {
    Verification v;
    auto dir = evidence_dir(context.incident_dir);
    v.in_effect = !context.incident_dir.empty() && evidence_sealed(dir);
    v.detail = v.in_effect ? "the evidence is sealed" : "the evidence is not sealed";
    if (v.in_effect && !receipt)
      if (auto seal = read_seal(dir)) v.recovered = receipt_for(*seal);
    return v;
  }
};

RESPONDER_MODULE(EvidenceSeal);

}  // namespace
}  // namespace responder::evidence
