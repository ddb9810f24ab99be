#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <new>
#include <iostream>
#include <map>

#include "responder/command.h"
#include "responder/diagnostic.h"
#include "responder/exit_code.h"
#include "responder/json.h"
#include "responder/message_text.h"
#include "responder/schema_catalog.h"
#include "responder/version.h"

namespace responder {
namespace {
std::vector<CommandSpec>& commands() {
  static std::vector<CommandSpec> list;
  return list;
}

int parse_and_run(int argc, char** argv);

// No command may end in an uncaught exception (an abort, exit 134): whatever
// escapes parsing, set-up or the command is said in one line with the exit
// code its cause deserves.
int run_guarded(int argc, char** argv) {
  try {
    return parse_and_run(argc, argv);
  } catch (const std::filesystem::filesystem_error& e) {
    auto code = e.code();
    bool denied = code == std::errc::permission_denied || code == std::errc::operation_not_permitted;
    std::cerr << "responder: cannot " << (denied ? "access " : "use ") << e.path1().string() << ": " << code.message()
              << (denied ? "; run as root, or have the incident home shared with your group" : "") << "\n";
    return denied ? kExitRefused : kExitBadInput;
  } catch (const std::bad_alloc&) {
    std::cerr << "responder: out of memory\n";
    return kExitStepFailed;
  } catch (const std::exception& e) {
    std::cerr << "responder: " << one_line(e.what()) << "\n";
    return kExitBadInput;
  } catch (...) {
    std::cerr << "responder: stopped by an unexpected error\n";
    return kExitStepFailed;
  }
}
}  // namespace

CommandRegistration::CommandRegistration(CommandSpec spec) { commands().push_back(spec); }

const std::vector<CommandSpec>& registered_commands() {
  auto& list = commands();
  std::sort(list.begin(), list.end(), [](const CommandSpec& a, const CommandSpec& b) { return a.order < b.order; });
  return list;
}

int run_command_line(int argc, char** argv) { return run_guarded(argc, argv); }

void define_command_line(CLI::App& app, GlobalOptions& globals, std::map<std::string, CommandAction>& actions) {
  app.name("responder");
  app.description("responder — run incident-response playbooks, contain attacks, keep the evidence");
  app.set_version_flag("--version", std::string("responder ") + kResponderVersion);
  app.require_subcommand(1);
  app.fallthrough();  // global options are accepted after the command name too
  app.add_option("--home", globals.home, "where incidents live (default $RESPONDER_HOME, else ./incidents)")
      ->type_name("DIR");
  app.add_option("--config", globals.config,
                 "configuration file (default $RESPONDER_CONFIG, else /etc/responder/responder.yaml)")
      ->type_name("FILE");
  app.add_option("--allow", globals.allow, "a management range no step may cut off (repeatable)")->type_name("CIDR");
  app.add_flag("--json", globals.json, "machine-readable output, one JSON object per line");
  for (auto& spec : registered_commands()) {
    CLI::App* command = app.add_subcommand(spec.name, spec.description);
    spec.setup(*command, globals, actions[spec.name]);
  }
}

namespace {
// The first word on the command line that is neither an option nor a global
// option's value: where the command's name should be. Empty when there is none.
std::string command_word(int argc, char** argv) {
  static const std::vector<std::string> with_value{"--home", "--config", "--allow"};
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") return i + 1 < argc ? argv[i + 1] : "";
    if (std::find(with_value.begin(), with_value.end(), word) != with_value.end()) {
      ++i;
      continue;
    }
    if (word.starts_with("-")) continue;
    return word;
  }
  return "";
}

// A mistyped command is named with the likely one, not answered with
// CLI11's "A subcommand is required".
bool unknown_command(const CLI::App& app, int argc, char** argv) {
  std::string word = command_word(argc, argv);
  if (word.empty()) return false;
  std::vector<std::string> names;
  for (auto& spec : registered_commands()) names.push_back(spec.name);
  if (std::find(names.begin(), names.end(), word) != names.end()) return false;
  // What --help hides (an empty group) is not offered here either.
  std::erase_if(names,
                [&app](const std::string& name) { return app.get_subcommand(name)->get_group().empty(); });
  std::string hint = closest_match(word, names);
  std::cerr << "responder: unknown command " << in_quotes(word) << (hint.empty() ? "" : "; did you mean '" + hint + "'?")
            << "\n  commands: " << comma_joined(names) << "\n  responder --help says what each does\n";
  return true;
}

// The same for the word after a command that has commands of its own
// (`release stauts`).
bool unknown_subcommand(CLI::App& chosen, int argc, char** argv) {
  auto all = chosen.get_subcommands([](CLI::App*) { return true; });
  if (all.empty() || !chosen.get_subcommands().empty()) return false;
  std::string command = command_word(argc, argv), word;
  bool after = false;
  for (int i = 1; i < argc && word.empty(); ++i) {
    std::string w = argv[i];
    if (!after) after = w == command;
    else if (!w.starts_with("-")) word = w;
  }
  if (word.empty()) return false;
  std::vector<std::string> names;
  for (CLI::App* sub : all) names.push_back(sub->get_name());
  if (std::find(names.begin(), names.end(), word) != names.end()) return false;
  std::string hint = closest_match(word, names);
  std::cerr << "responder " << command << ": unknown command " << in_quotes(word)
            << (hint.empty() ? "" : "; did you mean '" + hint + "'?") << "\n  commands: " << comma_joined(names)
            << "\n  responder " << command << " --help says what each does\n";
  return true;
}

int parse_and_run(int argc, char** argv) {
  GlobalOptions globals;
  std::map<std::string, CommandAction> actions;
  CLI::App app;
  define_command_line(app, globals, actions);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Only when CLI11 found no command (a value list such as --allow A B
    // may hold words that are no command).
    if (app.get_subcommands().empty() && e.get_exit_code() != 0 && unknown_command(app, argc, argv))
      return kExitBadInput;
    if (app.get_subcommands().size() == 1 && e.get_exit_code() != 0 &&
        unknown_subcommand(*app.get_subcommands().front(), argc, argv))
      return kExitBadInput;
    int code = app.exit(e);
    return code == 0 ? kExitSuccess : kExitBadInput;
  }
  if (!SchemaCatalog::instance().defects().empty()) {
    for (auto& defect : SchemaCatalog::instance().defects()) std::cerr << "responder: build defect: " << defect << "\n";
    return kExitStepFailed;
  }
  for (CLI::App* chosen : app.get_subcommands()) {
    auto& action = actions[chosen->get_name()];
    if (action) return action();
  }
  return kExitBadInput;
}
}  // namespace

}  // namespace responder
