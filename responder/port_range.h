// Ports and port ranges as parameters give them: 22, "22" or "1000-2000".
//
// The one reader of the port grammar: the schema's `port` and `portrange`
// type checks and every module that takes ports call parse_port_range, so a
// playbook is refused before it runs with the same words a module would use.
#pragma once

#include "responder/json.h"
#include "responder/result.h"

namespace responder {

struct PortRange {
  int first = 0;
  int last = 0;  // 1 <= first <= last <= 65535

  friend bool operator==(const PortRange&, const PortRange&) = default;
};

// A whole number, or text holding one port ("80") or a range ("1000-2000"),
// exactly: no sign, no white space. Every port lies in 1-65535 and a range
// does not run backwards. Bad text is named in quotes (shortened by
// in_quotes), and a bad end of a range after "port range '<text>': "; a
// value that is neither a number nor text is "expected ..., found ..." as
// check_value words it.
Result<PortRange> parse_port_range(const json::value& value);

}  // namespace responder
