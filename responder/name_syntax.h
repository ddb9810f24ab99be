// How the names that come from playbooks and command lines are spelled:
// variable and register names, step ids, incident ids.
//
// Plain character checks, linear in the length of the text and without
// recursion, so that they are safe on input of any length (std::regex
// recurses once per character and overflows the stack on long names).
#pragma once

#include <cstddef>
#include <string_view>

namespace responder {

// Longest name any of these checks accepts.
inline constexpr std::size_t kMaxNameLength = 64;

// [A-Za-z_][A-Za-z0-9_]*, at most kMaxNameLength: a name `{{ }}` and
// `when:` can refer to.
bool is_identifier(std::string_view text);

// [A-Za-z0-9][A-Za-z0-9._-]*, at most kMaxNameLength: a step id or an
// incident id, safe as one path component (it cannot be "." or "..").
bool is_label(std::string_view text);

}  // namespace responder
