// The live nftables ruleset through libnftables, as its own JSON: every
// element of the "nftables" array (tables, chains, rules, sets) is a record.
#include <nftables/libnftables.h>

#include "forensics/evidence/evidence_artifacts.h"

namespace responder::evidence {

void read_firewall(const ArtifactRequest&, const ArtifactEmit& emit) {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) {
    json::object e;
    e["error"] = "libnftables: cannot create a context";
    emit(std::move(e));
    return;
  }
  nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON | NFT_CTX_OUTPUT_HANDLE);
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  int rc = nft_run_cmd_from_buffer(ctx, "list ruleset");
  std::string out = nft_ctx_get_output_buffer(ctx) ? nft_ctx_get_output_buffer(ctx) : "";
  std::string err = nft_ctx_get_error_buffer(ctx) ? nft_ctx_get_error_buffer(ctx) : "";
  nft_ctx_free(ctx);
  if (rc != 0) {
    json::object e;
    e["error"] = "nft list ruleset failed: " + (err.empty() ? std::string("no permission or no nf_tables") : err);
    emit(std::move(e));
    return;
  }
  // An empty ruleset is an observation, not a failure: libnftables prints
  // nothing at all for it.
  if (out.find_first_not_of(" \t\r\n") == std::string::npos) {
    emit(json::object{{"ruleset", "empty"}, {"note", "nft list ruleset printed nothing: no table is loaded"}});
    return;
  }
  try {
    auto doc = parse_json(out);
    for (auto& element : doc.at("nftables").as_array())
      if (element.is_object()) emit(element.get_object());
  } catch (const std::exception& e) {
    json::object bad;
    bad["error"] = std::string("libnftables JSON could not be parsed: ") + e.what();
    bad["raw"] = out;
    emit(std::move(bad));
  }
}

}  // namespace responder::evidence
