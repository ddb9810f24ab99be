// The characters a playbook or configuration file may hold, checked on the
// raw bytes before the YAML parser sees them.
//
// yaml-cpp passes NUL bytes, other control characters and bytes that are not
// UTF-8 straight into values, and from there into the JSON journal and onto
// terminals. YAML 1.2 itself allows only its printable set (§5.1: tab, line
// feed, carriage return, U+0020-U+007E, U+0085, U+00A0-U+D7FF,
// U+E000-U+FFFD, U+10000-U+10FFFF), encoded as valid UTF-8; this enforces it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace responder {

struct UnprintableByte {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, counted in characters
  std::string message;
};

// The first character of `text` outside YAML's printable set, or the first
// byte that is not valid UTF-8; nullopt when the whole text is acceptable.
std::optional<UnprintableByte> first_unprintable(std::string_view text);

}  // namespace responder
