// The bash completion script for responder: command names, nested command
// names, each command's options (the global ones included) and their values
// (files, directories, playbooks, fixed choices), written from the command
// outline. It needs bash alone, not the bash-completion package.
#pragma once

#include <string>

#include "responder/command_outline.h"

namespace responder {

// A script to source, or to install as
// share/bash-completion/completions/responder; it defines _responder and
// registers it with `complete`.
std::string bash_completion(const CommandOutline& program);

}  // namespace responder
