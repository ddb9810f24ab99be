#include "responder/shell_word.h"

namespace responder {

std::string shell_word(std::string_view text) {
  std::string word = "'";
  for (char c : text) word += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return word + "'";
}

}  // namespace responder
