// `responder completion bash|zsh`: the shell's completion script, written from
// the command line this very binary parses, so it offers exactly its commands
// and options.
#include <CLI/CLI.hpp>

#include <iostream>

#include "responder/bash_completion.h"
#include "responder/command.h"
#include "responder/command_outline.h"
#include "responder/exit_code.h"
#include "responder/zsh_completion.h"

namespace responder {
namespace {

void setup_completion(CLI::App& command, const GlobalOptions&, CommandAction& action) {
  command.require_subcommand(1);
  CLI::App* bash = command.add_subcommand("bash", "the bash completion script (needs bash alone)");
  command.add_subcommand("zsh", "the zsh completion function, #compdef responder");
  command.footer(
      "The Debian package installs both where bash and zsh look for them; a build of your own can\n"
      "load them as below.\n\n"
      "Examples:\n"
      "  source <(responder completion bash)                          (in ~/.bashrc)\n"
      "  responder completion zsh > ~/.zsh/completions/_responder      (a directory in $fpath, before compinit)");
  action = [&command, bash] {
    CommandOutline program = outline_command_line(*command.get_parent());
    std::cout << (bash->parsed() ? bash_completion(program) : zsh_completion(program)) << std::flush;
    return std::cout ? kExitSuccess : kExitStepFailed;
  };
}

const CommandRegistration completion_registration{
    {"completion", "print the bash or zsh completion script for responder", 95, setup_completion}};

}  // namespace
}  // namespace responder
