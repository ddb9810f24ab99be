// Host ranges in inventory entries, expanded as Ansible's
// expand_hostname_range does: `web[01:20].example.org` (zero-padded when the
// start is), `db-[a:c]`, `h[1:10:2]` (a stride), several ranges in one name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "responder/result.h"

namespace responder::inventory {

// The names `pattern` stands for, in order; `pattern` itself when it has no
// `[`. Bad input for a malformed range ("host range must be begin:end or
// begin:end:step", unequal padded widths, begin after end for letters), and
// when the expansion would give more than `limit` names: nothing is expanded
// past the limit.
Result<std::vector<std::string>> expand_host_range(std::string_view pattern, std::size_t limit);

}  // namespace responder::inventory
