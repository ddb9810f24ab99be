// Ansible's host patterns (lib/ansible/inventory/manager.py), for a step's
// `targets:`, `--limit` and `responder hosts`:
//
//   all  *  web01  webservers  web*  ~web0[12]\.example  web[0]  web[1:]
//   web:db  web,db  web:!web03  web:&eu  webservers:!{{ x }} (after templating)
//
// A pattern is split into terms at commas (or, without commas, at colons
// outside brackets, unless the whole is one host address such as
// `2001:db8::1`). Terms are applied as Ansible applies them: every plain
// term first (a union, in order), then every `&` term (intersection), then
// every `!` term (exclusion); with only `&`/`!` terms the start is `all`.
// A term is a group name (all its hosts) or host name, a glob (`*`, `?`,
// `[abc]`, `[!abc]`) matched against group names and host names, or a
// Python-style regex after `~` (ECMAScript here), matched from the start of
// the name; a subscript `[N]`, `[-N]` or `[N:M]` (inclusive) picks from a
// term's hosts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "responder/inventory/inventory.h"
#include "responder/result.h"

namespace responder::inventory {

// The terms of `pattern`, as Ansible's split_host_pattern gives them.
std::vector<std::string> split_host_pattern(std::string_view pattern);

// Syntax only, for `validate`: bad input naming the pattern for an empty
// pattern or term, a `~regex` that does not compile, or a pattern longer
// than 4096 bytes.
Status check_pattern(std::string_view pattern);

// The hosts `pattern` selects, each once, in the order Ansible lists them
// (union order; within a group its own hosts, then its children's, level by
// level; a subscript counts positions in that list with a host in two
// matching groups twice, as Ansible does). Bad input,
// naming the pattern, when a plain name term is neither a host nor a group
// (with a "did you mean" for a near name), when a subscript is out of range,
// or when the whole pattern selects no host. `localhost` (and 127.0.0.1,
// ::1) not in the inventory selects the implicit localhost.
Result<std::vector<const Host*>> select_hosts(const Inventory& inventory, std::string_view pattern);

}  // namespace responder::inventory
