// Words of a line split as Python's shlex.split (POSIX mode) splits them,
// which is how Ansible reads INI host lines and ansible_ssh_common_args.
// Nothing is ever given to a shell: quotes and backslashes are only read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "responder/result.h"

namespace responder::inventory {

struct ShellWord {
  std::string text;
  std::size_t offset = 0;  // where the word starts in the line (0-based)
};

// Splits at blanks; '...' keeps everything literally; "..." keeps everything
// but `\"` and `\\`; a backslash outside quotes takes the next character
// literally. With `comments`, `#` outside quotes ends the line. Bad input
// for an unclosed quote or a trailing backslash, naming the offset.
Result<std::vector<ShellWord>> split_shell_words(std::string_view line, bool comments);

}  // namespace responder::inventory
