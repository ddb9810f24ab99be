// Text as one word of a POSIX shell script (bash, zsh), for the scripts this
// program writes.
#pragma once

#include <string>
#include <string_view>

namespace responder {

// `text` in single quotes, whatever it holds: no expansion, no splitting.
std::string shell_word(std::string_view text);

}  // namespace responder
