// Strict UTF-8 decoding, one character at a time, for the checks that must
// locate a bad byte and the escaping of user text in messages.
#pragma once

#include <cstddef>
#include <string_view>

namespace responder {

struct Utf8Char {
  char32_t code = 0;     // the code point; meaningless when !valid
  std::size_t size = 1;  // bytes consumed: the whole character, or the one bad byte
  bool valid = false;
};

// Decodes the character starting at `text[pos]` (pos < text.size()).
// Overlong forms, surrogates, values above U+10FFFF and truncated sequences
// are invalid; an invalid character always consumes exactly one byte, so a
// caller can step past it and report it.
Utf8Char decode_utf8(std::string_view text, std::size_t pos);

}  // namespace responder
