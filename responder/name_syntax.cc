#include "responder/name_syntax.h"

#include <algorithm>

namespace responder {
namespace {

bool ascii_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool ascii_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool is_identifier(std::string_view text) {
  if (text.empty() || text.size() > kMaxNameLength) return false;
  if (!ascii_letter(text[0]) && text[0] != '_') return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return ascii_letter(c) || ascii_digit(c) || c == '_'; });
}

bool is_label(std::string_view text) {
  if (text.empty() || text.size() > kMaxNameLength) return false;
  if (!ascii_letter(text[0]) && !ascii_digit(text[0])) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return ascii_letter(c) || ascii_digit(c) || c == '.' || c == '_' || c == '-'; });
}

}  // namespace responder
