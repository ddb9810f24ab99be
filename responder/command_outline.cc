#include "responder/command_outline.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace responder {
namespace {

// CLI11's own type names, given to options whose code names none: they say
// what C++ holds the value, not what the user types.
bool is_untyped_text(const std::string& name) { return name == "TEXT" || name.empty(); }
bool is_untyped_number(const std::string& name) {
  return name == "INT" || name == "UINT" || name == "FLOAT" || name == "NUMBER";
}

std::string upper_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::toupper(c); });
  return text;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  return parts;
}

// Fills in value_name, completion, file_patterns and choices from CLI11's
// full type name: the name the code gave ("FILE.deb") followed by each
// check's description (":{md,html,json,pdf}" for an IsMember).
void describe_value(const CLI::Option& option, OptionOutline& outline) {
  std::string full = option.get_type_name();
  // A check's description reads as words or a set ("INT in [1 - 500]",
  // "{md,html}"); a name may itself hold a colon ("SEQ:SHA256"), whose
  // parts are capitals and digits.
  auto is_check = [](const std::string& part) {
    return part.empty() || part.front() == '{' ||
           std::any_of(part.begin(), part.end(), [](char c) { return !(std::isupper(static_cast<unsigned char>(c)) ||
                                                                        std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '.'); });
  };
  auto parts = split(full, ':');
  std::string name = parts.empty() ? std::string() : parts.front();
  std::size_t i = 1;
  for (; i < parts.size() && !is_check(parts[i]); ++i) name += ":" + parts[i];
  for (; i < parts.size(); ++i) {
    const std::string& check = parts[i];
    if (check.size() >= 2 && check.front() == '{' && check.back() == '}')
      outline.choices = split(check.substr(1, check.size() - 2), ',');
  }
  bool untyped = is_untyped_text(name);
  if (outline.is_positional() && (untyped || is_untyped_number(name))) name = upper_case(option.get_name(true));
  outline.value_name = name.empty() ? "VALUE" : name;  // an empty name would make it a flag

  if (!outline.choices.empty()) {
    outline.completion = ValueCompletion::choice;
  } else if (name == "PLAYBOOK") {
    outline.completion = ValueCompletion::matching;
    outline.file_patterns = {"*.yaml", "*.yml"};
  } else if (name.starts_with("FILE.")) {  // "FILE.deb": a file of that kind
    outline.completion = ValueCompletion::matching;
    outline.file_patterns = {"*" + name.substr(4)};
  } else if (name == "DIR") {
    outline.completion = ValueCompletion::directory;
  } else if (name.find("FILE") != std::string::npos || name == "RESULTS" || (untyped && name != "ID")) {
    // RESULTS is `release import`'s directory or JSON file. Untyped text is
    // completed as a file name, as a shell does by itself when it knows
    // nothing better: such values (--out, --tsa-ca, a capture) are mostly
    // paths. An argument named ID is an incident's id.
    outline.completion = ValueCompletion::file;
  }
}

OptionOutline outline_option(const CLI::Option& option) {
  OptionOutline outline;
  for (auto& name : option.get_snames()) outline.short_names.push_back("-" + name);
  for (auto& name : option.get_lnames()) outline.long_names.push_back("--" + name);
  outline.description = option.get_description();
  outline.required = option.get_required();
  outline.repeatable = option.get_expected_max() > 1 || option.get_items_expected_max() > 1;
  if (option.get_expected_max() > 0) describe_value(option, outline);  // a flag takes no value
  return outline;
}

// A footer is prose paragraphs, then "Example:" or "Examples:" and indented
// command lines (--help prints it as written).
void read_footer(const std::string& footer, CommandOutline& outline) {
  bool in_examples = false;
  std::string paragraph;
  auto end_paragraph = [&] {
    if (!paragraph.empty()) outline.notes.push_back(paragraph);
    paragraph.clear();
  };
  for (auto& line : split(footer, '\n')) {
    if (line == "Example:" || line == "Examples:") {
      end_paragraph();
      in_examples = true;
    } else if (in_examples) {
      auto start = line.find_first_not_of(' ');
      if (start != std::string::npos) outline.examples.push_back(line.substr(start));
    } else if (line.find_first_not_of(' ') == std::string::npos) {
      end_paragraph();
    } else {
      paragraph += (paragraph.empty() ? "" : " ") + line;
    }
  }
  end_paragraph();
}

CommandOutline outline_command(const CLI::App& app, std::vector<std::string> path) {
  CommandOutline outline;
  outline.path = std::move(path);
  outline.description = app.get_description();
  outline.requires_command = app.get_require_subcommand_min() > 0;
  read_footer(app.get_footer(), outline);
  for (const CLI::Option* option : app.get_options()) {
    if (option->get_group().empty()) continue;  // hidden from --help
    auto described = outline_option(*option);
    (described.is_positional() ? outline.positionals : outline.options).push_back(std::move(described));
  }
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    // An option group is a nameless subcommand; a hidden command has no group.
    if (command->get_name().empty() || command->get_group().empty()) continue;
    auto nested = outline.path;
    nested.push_back(command->get_name());
    outline.commands.push_back(outline_command(*command, std::move(nested)));
  }
  return outline;
}

}  // namespace

std::vector<std::string> OptionOutline::names() const {
  std::vector<std::string> all = short_names;
  all.insert(all.end(), long_names.begin(), long_names.end());
  return all;
}

std::string CommandOutline::full_name() const {
  std::string name = "responder";
  for (auto& word : path) name += " " + word;
  return name;
}

CommandOutline outline_command_line(const CLI::App& app) { return outline_command(app, {}); }

}  // namespace responder
