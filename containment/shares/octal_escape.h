// The \ooo escapes the kernel (mountinfo) and nfs-utils (exports paths)
// write for space, tab, newline and backslash in paths.
#pragma once

#include <string>
#include <string_view>

namespace responder::shares {

// Decodes every backslash followed by three octal digits; leaves anything
// else, including a backslash before other characters, as it is.
inline std::string decode_octal_escapes(std::string_view text) {
  auto octal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && octal(text[i + 1]) && octal(text[i + 2]) && octal(text[i + 3])) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace responder::shares
