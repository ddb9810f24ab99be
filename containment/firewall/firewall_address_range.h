// Address ranges: a single address, a CIDR prefix or "first-last", kept as
// the inclusive pair [first, last] of one family.
//
// Interval sets in nftables refuse overlapping elements, and an element that
// an earlier step added must not be removed by a later step's undo. Both come
// down to range arithmetic (merge, subtract), done here on parsed values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "responder/address.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder::firewall {

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

// "192.0.2.7", "192.0.2.0/24", "2001:db8::/64" or "192.0.2.10-192.0.2.20".
// A range whose ends differ in family or run backwards is bad input.
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

// The element as nftables JSON wants it: "addr", {"prefix": ...} when the
// range is one prefix, otherwise {"range": [first, last]}.
json::value nft_value(const AddressRange& range);
// "first" or "first-last": the form element keys use (see nft_element.h).
std::string canonical(const AddressRange& range);
// For people: "192.0.2.0/24" when the range is one prefix, else canonical.
std::string readable(const AddressRange& range);
// Reads an address, prefix or range as nftables lists it back.
Result<AddressRange> range_from_nft(const json::value& value);

}  // namespace responder::firewall
