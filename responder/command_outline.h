// The command line as the manual and the shell completions describe it: every
// command, its options and arguments, read from the very CLI11 tree that
// parses the command line (define_command_line), so that neither can offer
// an option the parser does not know nor miss one it does.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace responder {

// What a shell may offer for a value.
enum class ValueCompletion {
  none,       // an id, a number, a pattern: nothing to list
  file,       // any file name
  directory,  // directory names
  matching,   // file names matching `file_patterns`
  choice,     // one of `choices`
};

// One option (`--inventory`, `-i`) or positional argument (`incident`).
struct OptionOutline {
  std::vector<std::string> short_names;  // "-i"; empty for a positional
  std::vector<std::string> long_names;   // "--inventory"; empty for a positional
  std::string value_name;                // "FILE", "ID"; empty for a flag
  std::string description;
  bool required = false;
  bool repeatable = false;  // given more than once, or (a positional) taking every remaining word
  ValueCompletion completion = ValueCompletion::none;
  std::vector<std::string> file_patterns;  // "*.yaml"; for ValueCompletion::matching
  std::vector<std::string> choices;        // for ValueCompletion::choice

  bool is_flag() const { return value_name.empty(); }
  bool is_positional() const { return short_names.empty() && long_names.empty(); }
  // Every name, short ones first: "-i", "--inventory".
  std::vector<std::string> names() const;
};

struct CommandOutline {
  std::vector<std::string> path;  // words after `responder`: {"release", "resume"}; empty for the program
  std::string description;
  std::vector<std::string> notes;          // paragraphs of the --help footer that are not examples
  std::vector<std::string> examples;       // command lines (with any trailing remark) from the footer
  std::vector<OptionOutline> options;      // named options, in --help order; --help itself included
  std::vector<OptionOutline> positionals;  // in the order they are taken
  std::vector<CommandOutline> commands;    // nested commands (`release resume`), hidden ones left out
  bool requires_command = false;           // a nested command must be named (`release` alone is an error)

  // "responder release resume".
  std::string full_name() const;
};

// Reads `app` (as built by define_command_line) and its nested commands.
// Commands hidden from --help (no group) are left out.
CommandOutline outline_command_line(const CLI::App& app);

}  // namespace responder
