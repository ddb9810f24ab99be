// The zsh completion function for responder (#compdef responder): command
// names with their descriptions, nested commands, each command's options (the
// global ones included) with descriptions, and their values, written from the
// command outline with _arguments.
#pragma once

#include <string>

#include "responder/command_outline.h"

namespace responder {

// A file to install as _responder in a directory of $fpath
// (share/zsh/vendor-completions), or to source after compinit.
std::string zsh_completion(const CommandOutline& program);

}  // namespace responder
