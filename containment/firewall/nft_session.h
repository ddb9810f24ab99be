// An in-process libnftables session: the only way responder talks to the
// kernel firewall.
//
// Changes go in as one JSON document per call, and libnftables sends the
// whole document to the kernel as one netlink batch, so a document is one
// atomic transaction: every command in it takes effect, or none does.
// Listings come back as parsed JSON. No command text is ever built from user
// input; the only text commands are the constant listings below.
#pragma once

#include <memory>
#include <string>

#include "responder/json.h"
#include "responder/result.h"

struct nft_ctx;

namespace responder::firewall {

class NftSession {
 public:
  // Opens a session bound to the network namespace of the calling thread at
  // this moment (libnftables opens its netlink socket here).
  static Result<NftSession> open();

  NftSession(NftSession&&) noexcept = default;
  NftSession& operator=(NftSession&&) noexcept = default;
  ~NftSession();

  // Commits `document` ({"nftables": [...]}) as one transaction. On failure
  // nothing changed, and the error carries libnftables' own message.
  Status commit(const json::value& document);
  // Same, for a document already serialised (benchmarks and tests).
  Status commit_text(const std::string& document_text);

  // `list ruleset` with set elements left out: tables, chains, rules and set
  // declarations only. Cheap even when sets hold millions of elements.
  Result<json::array> list_ruleset_terse();
  // `list table inet responder` with every element: costs time in proportion
  // to the number of elements. An absent table gives an empty array.
  Result<json::array> list_own_table();
  // `list set inet responder NAME` with its elements; `name` must be one of
  // the layout's own set names (letters, digits, underscore). An absent set
  // gives an empty array.
  Result<json::array> list_own_set(const std::string& name);

 private:
  struct Free { void operator()(nft_ctx* ctx) const; };
  explicit NftSession(nft_ctx* ctx) : ctx_(ctx) {}
  Result<json::array> list(const char* command, bool terse, bool absent_is_empty);

  std::unique_ptr<nft_ctx, Free> ctx_;
};

}  // namespace responder::firewall
