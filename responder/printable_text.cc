#include "responder/printable_text.h"

#include <cstdio>

#include "responder/utf8.h"

namespace responder {
namespace {

bool yaml_printable(char32_t c) {
  return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c <= 0x7E) || c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) ||
         (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

std::string hex(const char* format, unsigned value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

std::optional<UnprintableByte> first_unprintable(std::string_view text) {
  int line = 1, column = 1;
  for (std::size_t pos = 0; pos < text.size();) {
    Utf8Char c = decode_utf8(text, pos);
    if (!c.valid)
      return UnprintableByte{line, column,
                             "byte " + hex("0x%02x", static_cast<unsigned char>(text[pos])) +
                                 " is not valid UTF-8; save the file as UTF-8"};
    if (c.code == 0)
      return UnprintableByte{line, column, "a NUL byte is not allowed here; YAML text cannot hold one"};
    if (!yaml_printable(c.code))
      return UnprintableByte{line, column,
                             "character " + hex("U+%04X", static_cast<unsigned>(c.code)) +
                                 " is not allowed in YAML text (of the control characters, only tab, line feed and "
                                 "carriage return are)"};
    if (c.code == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
    pos += c.size;
  }
  return std::nullopt;
}

}  // namespace responder
