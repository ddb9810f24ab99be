// Subcommands of the `responder` binary register themselves, so that a later
// module folder adds its command (e.g. `evidence`, `analyze`) in a file of its
// own without touching the engine.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace responder {

// Options accepted before or after any command name (INTERFACE.md).
struct GlobalOptions {
  std::string home;                // --home; default $RESPONDER_HOME, else ./incidents
  std::string config;              // --config
  std::vector<std::string> allow;  // --allow CIDR, repeatable
  bool json = false;               // --json
};

// Runs the command after parsing; returns the process exit code.
using CommandAction = std::function<int()>;

struct CommandSpec {
  const char* name;
  const char* description;
  int order;  // position in --help
  // Adds the command's own options to `command` and sets `action`.
  void (*setup)(CLI::App& command, const GlobalOptions& globals, CommandAction& action);
};

struct CommandRegistration {
  explicit CommandRegistration(CommandSpec spec);
};

const std::vector<CommandSpec>& registered_commands();

// Builds the whole command line into `app`: its name, the global options and
// every registered command with its own options and commands. What is parsed
// and what the manual and shell completions describe come from this one
// place, so they cannot drift apart. Parsing stores into `globals`, and each
// command's action lands in `actions` under its name; both must outlive `app`.
void define_command_line(CLI::App& app, GlobalOptions& globals, std::map<std::string, CommandAction>& actions);

// The whole command line; what main() calls.
int run_command_line(int argc, char** argv);

}  // namespace responder
