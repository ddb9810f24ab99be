#include "responder/bash_completion.h"

#include <algorithm>
#include <functional>

#include "responder/shell_word.h"

namespace responder {
namespace {

std::string joined(const std::vector<std::string>& words, char separator) {
  std::string out;
  for (auto& word : words) out += (out.empty() ? "" : std::string(1, separator)) + word;
  return out;
}

std::string path_key(const CommandOutline& command) { return joined(command.path, ' '); }

// How the script completes a value; see _responder_complete below.
std::string value_kind(const OptionOutline& option) {
  switch (option.completion) {
    case ValueCompletion::none:
      return "none";
    case ValueCompletion::file:
      return "file";
    case ValueCompletion::directory:
      return "dir";
    case ValueCompletion::matching:
      return "match:" + joined(option.file_patterns, ',');
    case ValueCompletion::choice:
      return "choice:" + joined(option.choices, ',');
  }
  return "none";
}

void each_command(const CommandOutline& command, const std::function<void(const CommandOutline&)>& visit) {
  visit(command);
  for (auto& nested : command.commands) each_command(nested, visit);
}

// A shell function mapping a command path to a word list in REPLY.
std::string case_function(const std::string& name, const std::string& comment, const CommandOutline& program,
                          const std::function<std::string(const CommandOutline&)>& words_of) {
  std::string text = comment + name + "() {\n  case $1 in\n";
  each_command(program, [&](const CommandOutline& command) {
    std::string words = words_of(command);
    if (!words.empty()) text += "    " + shell_word(path_key(command)) + ") REPLY=" + shell_word(words) + " ;;\n";
  });
  return text + "    *) REPLY='' ;;\n  esac\n}\n\n";
}

}  // namespace

std::string bash_completion(const CommandOutline& program) {
  std::string script =
      "# bash completion for responder(1), written by `responder completion bash`\n"
      "# from the command definitions; change those, not this file.\n\n";

  // The global options are accepted after any command name too.
  std::vector<const OptionOutline*> globals;
  for (auto& option : program.options)
    if (std::find(option.long_names.begin(), option.long_names.end(), "--version") == option.long_names.end())
      globals.push_back(&option);

  script += case_function("_responder_commands", "# The nested commands of a command path ('' for the program).\n",
                          program, [](const CommandOutline& command) {
                            std::vector<std::string> names;
                            for (auto& nested : command.commands) names.push_back(nested.path.back());
                            return joined(names, ' ');
                          });
  script += case_function("_responder_options", "# The options of a command path, the global options included.\n",
                          program, [&](const CommandOutline& command) {
                            std::vector<std::string> names;
                            for (auto& option : command.options)
                              for (auto& name : option.names()) names.push_back(name);
                            if (!command.path.empty())
                              for (auto* option : globals)
                                for (auto& name : option->names())
                                  if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
                            return joined(names, ' ');
                          });
  script += case_function("_responder_arguments",
                          "# How each argument of a command path is completed, in order; a final '...'\n"
                          "# means the last one takes every remaining word.\n",
                          program, [](const CommandOutline& command) {
                            std::vector<std::string> kinds;
                            for (auto& positional : command.positionals) kinds.push_back(value_kind(positional));
                            if (!command.positionals.empty() && command.positionals.back().repeatable)
                              kinds.push_back("...");
                            return joined(kinds, ' ');
                          });

  script +=
      "# How the value of option $2 of command path $1 is completed; empty for a flag\n"
      "# or an option the path does not have.\n"
      "_responder_option_value() {\n  case $1/$2 in\n";
  each_command(program, [&](const CommandOutline& command) {
    for (auto& option : command.options) {
      if (option.is_flag()) continue;
      for (auto& name : option.names())
        script += "    " + shell_word(path_key(command) + "/" + name) + ") REPLY=" + shell_word(value_kind(option)) + " ;;\n";
    }
  });
  for (auto* option : globals) {
    if (option->is_flag()) continue;
    for (auto& name : option->names())
      script += "    */" + shell_word(name) + ") REPLY=" + shell_word(value_kind(*option)) + " ;;\n";
  }
  script += "    *) REPLY='' ;;\n  esac\n}\n\n";

  script += R"(# Sets COMPREPLY to the completions of word $1 of kind $2: none, file, dir,
# match:GLOB,GLOB (those files, and directories to reach them), choice:A,B,
# or words (the remaining arguments).
_responder_complete() {
  local cur=$1 kind=$2 pattern
  local -a list
  shift 2
  COMPREPLY=()
  case $kind in
    words) mapfile -t COMPREPLY < <(compgen -W "$*" -- "$cur") ;;
    choice:*)
      IFS=, read -ra list <<<"${kind#choice:}"
      mapfile -t COMPREPLY < <(compgen -W "${list[*]}" -- "$cur") ;;
    file)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
    dir)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur") ;;
    match:*)
      compopt -o filenames 2>/dev/null
      mapfile -t COMPREPLY < <(compgen -d -- "$cur")
      IFS=, read -ra list <<<"${kind#match:}"
      for pattern in "${list[@]}"; do
        mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -X "!$pattern" -- "$cur")
      done ;;
  esac
}

_responder() {
  local REPLY i word path='' pending='' arguments=0 cur cword=0
  local -a words=() kinds=()
  # bash splits `--home=DIR` and `a=1` at '=' (and IPv6 addresses at ':');
  # put such words back together before reading them.
  for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
    word=${COMP_WORDS[i]}
    if ((i > 0)) && [[ $word =~ ^[=:]+$ || ${COMP_WORDS[i - 1]} =~ ^[=:]+$ ]]; then
      words[${#words[@]} - 1]+=$word
    else
      words+=("$word")
    fi
    ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
  done
  cur=${words[cword]}

  for ((i = 1; i < cword; i++)); do
    word=${words[i]}
    if [[ -n $pending ]]; then
      pending=''
      continue
    fi
    case $word in
      --*=*) continue ;;
      -*)
        _responder_option_value "$path" "$word"
        pending=$REPLY
        continue ;;
    esac
    _responder_commands "$path"
    if ((arguments == 0)) && [[ " $REPLY " == *" $word "* ]]; then
      path=${path:+$path }$word
    else
      ((arguments++))
    fi
  done

  if [[ -n $pending ]]; then
    _responder_complete "${COMP_WORDS[COMP_CWORD]}" "$pending"
    return
  fi
  if [[ $cur == --*=* ]]; then
    _responder_option_value "$path" "${cur%%=*}"
    word=${COMP_WORDS[COMP_CWORD]}
    [[ $word == *= ]] && word=''
    [[ -n $REPLY ]] && _responder_complete "$word" "$REPLY"
    return
  fi
  if [[ $cur == -* ]]; then
    _responder_options "$path"
    _responder_complete "$cur" words "$REPLY"
    return
  fi
  _responder_commands "$path"
  if ((arguments == 0)) && [[ -n $REPLY ]]; then
    _responder_complete "$cur" words "$REPLY"
    return
  fi
  _responder_arguments "$path"
  read -ra kinds <<<"$REPLY"
  if ((${#kinds[@]} > 0)) && [[ ${kinds[-1]} == ... ]]; then
    unset 'kinds[-1]'
    ((arguments >= ${#kinds[@]})) && arguments=$((${#kinds[@]} - 1))
  fi
  ((arguments < ${#kinds[@]})) && _responder_complete "$cur" "${kinds[arguments]}"
}

complete -F _responder responder
)";
  return script;
}

}  // namespace responder
