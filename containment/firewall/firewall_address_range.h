// Address ranges as nftables holds them: the element values we write, the
// keys that identify elements, and the reading of what nft lists back.
//
// Parsing and range arithmetic are the engine's (responder/address_range.h);
// interval sets refuse overlapping elements, and an element that an earlier
// step added must not be removed by a later step's undo, which is why the
// firewall merges and subtracts before it writes.
#pragma once

#include <string>

#include "responder/address_range.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder::firewall {

// The element as nftables JSON wants it: "addr", {"prefix": ...} when the
// range is one prefix, otherwise {"range": [first, last]}.
json::value nft_value(const AddressRange& range);
// "first" or "first-last": the form element keys use (see element_key in nft_table_state.h).
std::string canonical(const AddressRange& range);
// For people: "192.0.2.0/24" when the range is one prefix, else canonical.
std::string readable(const AddressRange& range);
// Reads an address, prefix or range as nftables lists it back.
Result<AddressRange> range_from_nft(const json::value& value);

}  // namespace responder::firewall
