#include "responder/zsh_completion.h"

#include <algorithm>
#include <cctype>

#include "responder/shell_word.h"

namespace responder {
namespace {

// `text` with every character but letters and digits escaped by a backslash.
std::string escaped_all(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') c = ' ';
    if (!std::isalnum(static_cast<unsigned char>(c))) out += '\\';
    out += c;
  }
  return out;
}

// `text` with `specials` (and backslash) escaped by a backslash, as
// _arguments and _describe read them.
std::string escaped(const std::string& text, const std::string& specials) {
  std::string out;
  for (char c : text) {
    if (c == '\n') c = ' ';
    if (c == '\\' || specials.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string function_name(const CommandOutline& command) {
  std::string name = "_responder";
  for (auto& word : command.path) {
    name += "__";
    for (char c : word) name += (c == '-' || c == '.') ? '_' : c;
  }
  return name;
}

// The part of an _arguments spec after the option: ":MESSAGE:ACTION".
std::string value_spec(const OptionOutline& option) {
  std::string action;
  switch (option.completion) {
    case ValueCompletion::none:
      action = " ";
      break;
    case ValueCompletion::file:
      action = "_files";
      break;
    case ValueCompletion::directory:
      action = "_files -/";
      break;
    case ValueCompletion::matching: {
      std::string patterns;
      for (auto& pattern : option.file_patterns) patterns += (patterns.empty() ? "" : "|") + pattern;
      action = "_files -g \"(" + patterns + ")\"";
      break;
    }
    case ValueCompletion::choice: {
      action = "(";
      // _arguments evals the list: every character that is not a letter or
      // digit is escaped, so no choice can expand or run anything.
      for (auto& choice : option.choices) action += (action.size() > 1 ? " " : "") + escaped_all(choice);
      action += ")";
      break;
    }
  }
  return ":" + escaped(option.value_name, ":") + ":" + action;
}

bool is_help_or_version(const OptionOutline& option) {
  auto names = option.names();
  return std::find(names.begin(), names.end(), "--help") != names.end() ||
         std::find(names.begin(), names.end(), "--version") != names.end();
}

// One _arguments spec, as shell words: '(-i --inventory)'{-i,--inventory}'[...]:FILE:_files'.
std::string option_spec(const OptionOutline& option) {
  auto names = option.names();
  bool help_or_version = is_help_or_version(option);
  std::string exclusions;
  if (help_or_version)
    exclusions = "(- *)";
  else if (!option.repeatable) {
    for (auto& name : names) exclusions += (exclusions.empty() ? "" : " ") + name;
    exclusions = "(" + exclusions + ")";
  }
  std::string prefix = option.repeatable && !help_or_version ? "*" : "";
  std::string rest = "[" + escaped(option.description, "[]:") + "]";
  if (!option.is_flag()) rest += value_spec(option);
  if (names.size() == 1) return shell_word(exclusions + prefix + names.front() + rest);
  std::string alternatives;
  for (auto& name : names) alternatives += (alternatives.empty() ? "" : ",") + name;
  return shell_word(exclusions + prefix) + "{" + alternatives + "}" + shell_word(rest);
}

std::string positional_spec(const OptionOutline& positional) {
  std::string prefix = positional.repeatable ? "*" : positional.required ? "" : ":";
  return shell_word(prefix + value_spec(positional));
}

bool has_name_of(const CommandOutline& command, const OptionOutline& option) {
  for (auto& own : command.options)
    for (auto& name : own.names())
      for (auto& other : option.names())
        if (name == other) return true;
  return false;
}

// `globals`: the options accepted after any command name too.
void write_function(std::string& script, const CommandOutline& command, const std::vector<OptionOutline>& globals) {
  for (auto& nested : command.commands) write_function(script, nested, globals);
  std::string name = function_name(command);
  script += name + "() {\n";
  script += "  local curcontext=$curcontext state state_descr line ret=1\n  typeset -A opt_args\n";
  script += "  _arguments -C -S";
  for (auto& option : command.options) script += " \\\n    " + option_spec(option);
  if (!command.path.empty()) {
    for (auto& option : globals)
      if (!has_name_of(command, option)) script += " \\\n    " + option_spec(option);
  }
  if (command.commands.empty()) {
    for (auto& positional : command.positionals) script += " \\\n    " + positional_spec(positional);
    script += " && ret=0\n  return ret\n}\n\n";
    return;
  }
  script += " \\\n    ': :->command' \\\n    '*:: :->argument' && ret=0\n";
  script += "  case $state in\n    command)\n      local -a commands=(\n";
  for (auto& nested : command.commands)
    script += "        " + shell_word(escaped(nested.path.back(), ":") + ":" + nested.description) + "\n";
  std::string context = "responder";
  for (auto& word : command.path) context += "-" + word;
  script += "      )\n      _describe -t commands " + shell_word(context + " command") + " commands && ret=0\n      ;;\n";
  script += "    argument)\n      curcontext=${curcontext%:*:*}:" + context + "-$words[1]:\n      case $words[1] in\n";
  for (auto& nested : command.commands)
    script += "        " + shell_word(nested.path.back()) + ") " + function_name(nested) + " && ret=0 ;;\n";
  script += "      esac\n      ;;\n  esac\n  return ret\n}\n\n";
}

}  // namespace

std::string zsh_completion(const CommandOutline& program) {
  std::string script =
      "#compdef responder\n"
      "# zsh completion for responder(1), written by `responder completion zsh`\n"
      "# from the command definitions; change those, not this file.\n\n";
  std::vector<OptionOutline> globals;
  for (auto& option : program.options)
    if (!is_help_or_version(option)) globals.push_back(option);
  write_function(script, program, globals);
  // Autoloaded from $fpath this file is _responder's body; sourced, it
  // registers the function instead.
  script +=
      "if [[ $funcstack[1] == _responder ]]; then\n"
      "  _responder \"$@\"\n"
      "else\n"
      "  compdef _responder responder\n"
      "fi\n";
  return script;
}

}  // namespace responder
