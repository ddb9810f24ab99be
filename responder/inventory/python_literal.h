// Values of INI inventories, read as Ansible reads them: Python's
// ast.literal_eval of the text, and the text itself when that fails
// (ansible/plugins/inventory/ini.py, _parse_value).
#pragma once

#include <string_view>

#include "responder/json.h"

namespace responder::inventory {

// `5` -> 5, `0x10` -> 16, `True` -> true, `None` -> null, `'a b'` -> "a b",
// `[1, 'a']` -> [1, "a"], `{'k': 1}` -> {"k": 1}, `(1, 2)` and `1, 2` ->
// [1, 2], `1.5e3` -> 1500.0, adjacent strings concatenated, a trailing
// `# comment` ignored; anything else (`yes`, `web01`, `a b`) -> the text
// unchanged. Not understood, and so kept as text where Python would give
// another value: sets, complex numbers, integers beyond 64 bits, `\N{...}`
// escapes, nesting deeper than 64.
json::value python_literal(std::string_view text);

}  // namespace responder::inventory
