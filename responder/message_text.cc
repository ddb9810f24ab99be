#include "responder/message_text.h"

#include <cstdio>

#include "responder/utf8.h"

namespace responder {
namespace {

constexpr std::size_t kQuotedBytes = 80;  // longer text is cut to this many bytes

std::string hex_escape(const char* format, unsigned value) {
  char buffer[16];  // "\\u" and up to 8 hex digits for any unsigned value
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    Utf8Char c = decode_utf8(text, pos);
    if (!c.valid) {
      out += hex_escape("\\x%02x", static_cast<unsigned char>(text[pos]));
    } else if (c.code == '\n') {
      out += "\\n";
    } else if (c.code == '\r') {
      out += "\\r";
    } else if (c.code == '\t') {
      out += "\\t";
    } else if (c.code < 0x20 || c.code == 0x7F) {
      out += hex_escape("\\x%02x", static_cast<unsigned>(c.code));
    } else if ((c.code >= 0x80 && c.code < 0xA0) || c.code == 0x2028 || c.code == 0x2029 ||
               (c.code >= 0x202A && c.code <= 0x202E) || (c.code >= 0x2066 && c.code <= 0x2069) ||
               c.code == 0x200E || c.code == 0x200F) {
      // C1 controls, line and paragraph separators and bidirectional
      // overrides change what a terminal shows without being seen.
      out += hex_escape("\\u%04x", static_cast<unsigned>(c.code));
    } else {
      out.append(text.substr(pos, c.size));
    }
    pos += c.size;
  }
  return out;
}

std::string in_quotes(std::string_view text) {
  if (text.size() <= kQuotedBytes) return "'" + one_line(text) + "'";
  std::size_t cut = kQuotedBytes;
  // Cut between characters, never inside one.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "'" + one_line(text.substr(0, cut)) + "...' (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace responder
