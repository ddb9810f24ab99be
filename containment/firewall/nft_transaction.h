// One kernel transaction against table `inet responder`, built as libnftables
// JSON from typed values. Commit it with NftSession::commit: all of it takes
// effect or none of it does.
#pragma once

#include <optional>
#include <string>

#include "containment/firewall/nft_layout.h"
#include "responder/json.h"

namespace responder::firewall {

class NftTransaction {
 public:
  // `add table`: a no-op when the table exists.
  void add_table();
  // Removes the table with everything in it.
  void delete_table();
  // Declares a set (no elements); a no-op when an identical set exists.
  void add_set(const nft_layout::SetDecl& set);
  void delete_set(const std::string& name);
  // Declares a chain and appends its rules.
  void add_chain(const nft_layout::ChainDecl& chain);
  // Flushes and deletes a chain of ours.
  void delete_chain(const std::string& name);
  // `create element`: exclusive, the whole transaction fails when any of the
  // elements is already there. That is how apply learns, without reading a
  // 100,000-element set, that every element it adds is its own.
  void create_elements(const std::string& set, json::array elements);
  // `add element`: elements already present are left as they are.
  void add_elements(const std::string& set, json::array elements);
  void delete_elements(const std::string& set, json::array elements);
  // Appends a command built elsewhere ({"add": {...}}).
  void append(json::value command);

  bool empty() const { return commands_.empty(); }
  const json::array& commands() const { return commands_; }
  // {"nftables": [commands...]}
  json::value document() const;

 private:
  void element_command(const char* verb, const std::string& set, json::array elements);
  json::array commands_;
};

// The element as it goes into a set: the key alone, or {"elem": {"val": key,
// "timeout": seconds}} when it expires by itself.
json::value timed_element(const json::value& key, std::optional<std::int64_t> timeout_s);

// The declaration of a set or chain as one `add` command, for receipts that
// must be able to re-create them.
json::value set_command(const nft_layout::SetDecl& set);
json::array chain_commands(const nft_layout::ChainDecl& chain);

}  // namespace responder::firewall
