// Address ranges: a single address, a CIDR prefix or "first-last", kept as
// the inclusive pair [first, last] of one family.
//
// The one reader of the range grammar: the schema's `iprange` type check and
// every module that takes ranges call parse_address_range, so a playbook is
// refused before it runs with the same words a module would use. The range
// arithmetic (prefixes, merge, subtract) works on parsed values only.
#pragma once

#include <vector>
#include <string_view>

#include "responder/address.h"
#include "responder/result.h"

namespace responder {

struct AddressRange {
  IpAddress first;
  IpAddress last;  // same family as first, last >= first

  int family() const { return first.family; }
  bool single() const { return first == last; }
  // True when the range covers the whole address space of its family.
  bool everything() const;
  friend bool operator==(const AddressRange&, const AddressRange&) = default;
  friend auto operator<=>(const AddressRange&, const AddressRange&) = default;
};

// "192.0.2.7", "192.0.2.0/24", "2001:db8::/64" or "192.0.2.10-192.0.2.20",
// exactly: surrounding white space is not trimmed. A single address or prefix
// fails with parse_cidr's message; a range whose ends are not addresses, differ
// in family or run backwards fails with a message that starts
// "address range '<text>'" (the text shortened by in_quotes).
Result<AddressRange> parse_address_range(std::string_view text);
AddressRange range_of(const Cidr& cidr);
AddressRange range_of(const IpAddress& address);

// The fewest prefixes that together cover exactly `range`, in order.
std::vector<Cidr> prefixes_of(const AddressRange& range);

// Sorts and joins overlapping or adjacent ranges of one family.
std::vector<AddressRange> merged(std::vector<AddressRange> ranges);
// The parts of `range` not covered by `taken` (sorted and merged, one
// family), in order.
std::vector<AddressRange> subtract(const AddressRange& range, const std::vector<AddressRange>& taken);

}  // namespace responder
