// What is live in table `inet responder`, read back from the kernel, and the
// canonical keys that let us compare elements we built with elements nftables
// lists (which may print a range as a prefix, or an address differently).
#pragma once

#include <map>
#include <set>
#include <string>

#include "containment/firewall/nft_session.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder::firewall {

struct NftTableState {
  bool present = false;
  bool elements_read = false;  // false for the cheap shape-only read
  std::set<std::string> sets;
  std::map<std::string, std::size_t> chain_rules;          // chain -> number of rules
  std::map<std::string, std::set<std::string>> elements;   // set -> canonical element keys

  bool has_set(const std::string& name) const { return sets.count(name) != 0; }
  bool has_chain(const std::string& name) const { return chain_rules.count(name) != 0; }
  // Keys of one set (empty when absent or not read).
  const std::set<std::string>& keys(const std::string& set) const;
};

// Tables, chains and set declarations only: milliseconds at any set size.
Result<NftTableState> read_table_shape(NftSession& session);
// Everything, elements included: time grows with the number of elements.
// Never reports an element missing that the kernel holds: a listing that
// names an element twice was torn (see below) and is read again; after a few
// torn listings in a row it fails rather than guess.
Result<NftTableState> read_table(NftSession& session);

// The state a listing describes. `torn` names the sets in which the listing
// names some element twice: the kernel dumps a hash set in chunks, resuming
// each after a count of elements already sent, and when the set's hash table
// is resized between two chunks (the kernel does that in the background,
// after a large add or delete, without marking the dump interrupted) the
// order changes, so as many elements are sent twice as are never sent.
// Duplicates are therefore exactly the sign of a listing that lost elements.
struct TableListing {
  NftTableState state;
  std::set<std::string> torn;
};
Result<TableListing> table_from_listing(const json::array& listing, bool with_elements);

// The element keys of the named sets of ours only (absent sets: no keys),
// without reading the others; torn listings are read again, as read_table.
Result<std::map<std::string, std::set<std::string>>> read_set_keys(NftSession& session,
                                                                  const std::set<std::string>& sets);

// The canonical key of an element, whether built by us or listed by nft:
// addresses as "a" or "first-last", ports as "p" or "lo-hi", protocols by
// number (however nft lists them), concatenations joined by " . "; an {"elem": {...}} wrapper (timeouts)
// is looked through.
Result<std::string> element_key(const json::value& element);

}  // namespace responder::firewall
