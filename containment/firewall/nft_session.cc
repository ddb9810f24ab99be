#include "containment/firewall/nft_session.h"

#include <nftables/libnftables.h>

#include <boost/json/serialize.hpp>

#include <cctype>

#include "containment/firewall/nft_layout.h"

namespace responder::firewall {
namespace {

std::string trimmed(const char* text) {
  std::string s = text ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

void NftSession::Free::operator()(nft_ctx* ctx) const { nft_ctx_free(ctx); }

Result<NftSession> NftSession::open() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) return failure("cannot open a libnftables session (netlink unavailable?)");
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  return NftSession(ctx);
}

NftSession::~NftSession() = default;

Status NftSession::commit(const json::value& document) { return commit_text(json::serialize(document)); }

Status NftSession::commit_text(const std::string& document_text) {
  // The JSON output flag makes libnftables parse the input as JSON first.
  nft_ctx_output_set_flags(ctx_.get(), NFT_CTX_OUTPUT_JSON);
  int rc = nft_run_cmd_from_buffer(ctx_.get(), document_text.c_str());
  std::string error = trimmed(nft_ctx_get_error_buffer(ctx_.get()));
  if (rc != 0) {
    if (error.size() > 2000) error = error.substr(0, 2000) + " ...";
    return failure("nftables refused the transaction, nothing was changed: " +
                   (error.empty() ? std::string("unknown error") : error));
  }
  return {};
}

Result<json::array> NftSession::list(const char* command, bool terse, bool absent_is_empty) {
  nft_ctx_output_set_flags(ctx_.get(), static_cast<unsigned>(NFT_CTX_OUTPUT_JSON) | (terse ? static_cast<unsigned>(NFT_CTX_OUTPUT_TERSE) : 0u));
  int rc = nft_run_cmd_from_buffer(ctx_.get(), command);
  std::string error = trimmed(nft_ctx_get_error_buffer(ctx_.get()));
  if (rc != 0) {
    if (absent_is_empty && error.find("No such file or directory") != std::string::npos) return json::array{};
    return failure(std::string("cannot read the firewall (") + command + "): " + error);
  }
  const char* out = nft_ctx_get_output_buffer(ctx_.get());
  if (!out || !*out) return json::array{};
  try {
    json::value doc = parse_json(out);
    if (auto* list = doc.as_object().if_contains("nftables"); list && list->is_array()) return list->as_array();
    return failure(std::string("unexpected libnftables output for ") + command);
  } catch (const std::exception& e) {
    return failure(std::string("cannot parse libnftables output for ") + command + ": " + e.what());
  }
}

Result<json::array> NftSession::list_ruleset_terse() { return list("list ruleset", true, false); }

Result<json::array> NftSession::list_own_table() {
  // The table name is a compile-time constant, never user text.
  static const std::string command = std::string("list table ") + nft_layout::kFamily + " " + nft_layout::kTable;
  return list(command.c_str(), false, true);
}

Result<json::array> NftSession::list_own_set(const std::string& name) {
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
      return failure("not a set name of ours: " + name);
  std::string command = std::string("list set ") + nft_layout::kFamily + " " + nft_layout::kTable + " " + name;
  return list(command.c_str(), false, true);
}

}  // namespace responder::firewall
