#include "responder/manual_page.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <set>

#include "responder/exit_code.h"
#include "responder/utf8.h"

namespace responder {
namespace {

// A character roff would read as something else, or that is not ASCII (groff
// reads its input as Latin-1 unless told otherwise), written as an escape.
// `literal` is for what a user types (names, examples): every dash is a minus
// and quotes stay straight, so that copying from the page works.
std::string roff_escape(std::string_view text, bool literal) {
  std::string out;
  bool option_dashes = false;  // inside a run of dashes that starts a word ("--every")
  for (std::size_t i = 0; i < text.size();) {
    Utf8Char c = decode_utf8(text, i);
    char previous = i == 0 ? ' ' : text[i - 1];
    i += c.size;
    if (!c.valid) {
      out += "\\[uFFFD]";
      continue;
    }
    if (c.code >= 0x80) {
      char code[16];
      std::snprintf(code, sizeof code, "\\[u%04X]", static_cast<unsigned>(c.code));
      out += code;
      continue;
    }
    char ch = static_cast<char>(c.code);
    if (ch == '-') {
      // In prose a dash inside a word ("read-only") is a hyphen; one that
      // begins a word is an option's and must stay a minus.
      bool starts_word = previous == ' ' || previous == '(' || previous == '`' || previous == '"' || previous == '[' ||
                         previous == '/' || previous == '|';
      bool continues = option_dashes && previous == '-';
      option_dashes = literal || continues || starts_word;
      out += option_dashes ? "\\-" : "-";
      continue;
    }
    if (ch == '\\')
      out += "\\e";
    else if (literal && ch == '\'')
      out += "\\(aq";
    else if (literal && ch == '`')
      out += "\\(ga";
    else if (ch == '\n' || ch == '\t' || ch == '\r')
      out += ' ';
    else if (c.code < 0x20 || c.code == 0x7f)
      continue;
    else
      out += ch;
  }
  // A line starting with a period or an apostrophe would be read as a request.
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) out.insert(0, "\\&");
  return out;
}

// Text to be filled, as source lines of at most about 80 bytes (mandoc's
// style check; a line break in filled text is a space).
std::string prose(std::string_view text) {
  std::string page, line;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = std::min(text.find(' ', start), text.size());
    std::string_view word = text.substr(start, end - start);
    start = end + 1;
    if (word.empty()) continue;
    if (!line.empty() && roff_escape(line, false).size() + 1 + roff_escape(word, false).size() > 78) {
      page += roff_escape(line, false) + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + std::string(word);
  }
  return page + roff_escape(line, false);
}

std::string literal(std::string_view text) { return roff_escape(text, true); }

// A command's description, "run a playbook", as the sentence that opens its
// entry: "Run a playbook." Options keep the words --help gives them.
std::string sentence(std::string text) {
  if (text.empty()) return text;
  text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  if (std::string_view(".!?:").find(text.back()) == std::string_view::npos) text += '.';
  return text;
}

std::string bold(std::string_view text) { return "\\fB" + literal(text) + "\\fR"; }
std::string italic(std::string_view text) { return "\\fI" + literal(text) + "\\fR"; }

bool is_help(const OptionOutline& option) {
  auto names = option.long_names;
  return std::find(names.begin(), names.end(), "--help") != names.end();
}

// "-i, --inventory FILE", in the man fonts.
std::string option_tag(const OptionOutline& option) {
  std::string tag;
  for (auto& name : option.names()) tag += (tag.empty() ? "" : ", ") + bold(name);
  if (!option.is_flag()) tag += " " + italic(option.value_name);
  return tag;
}

std::string positional_tag(const OptionOutline& positional) {
  std::string tag = italic(positional.value_name);
  if (positional.repeatable) tag += "\\&...";
  return positional.required ? tag : "[" + tag + "]";
}

// "responder run [options] --incident ID PLAYBOOK": how the command is typed.
std::string synopsis(const CommandOutline& command) {
  std::string line = bold(command.full_name());
  bool optional_options = false;
  std::string required_options;
  for (auto& option : command.options) {
    if (is_help(option)) continue;
    if (!option.required) {
      optional_options = true;
      continue;
    }
    std::string name = option.long_names.empty() ? option.short_names.front() : option.long_names.front();
    required_options += " " + bold(name) + (option.is_flag() ? "" : " " + italic(option.value_name));
  }
  if (optional_options) line += " [" + italic("options") + "]";
  line += required_options;
  if (!command.commands.empty()) {
    std::string names;
    for (auto& nested : command.commands) names += (names.empty() ? "" : "|") + bold(nested.path.back());
    if (command.positionals.empty()) {
      line += command.requires_command ? " {" + names + "} \\&..." : " [" + names + " \\&...]";
      return line;
    }
    // Both nested commands and arguments (`hosts [PATTERN]`, `hosts prepare ...`):
    // the nested ones have their own synopsis.
  }
  for (auto& positional : command.positionals) line += " " + positional_tag(positional);
  return line;
}

void write_options(std::string& page, const CommandOutline& command, bool with_help) {
  for (auto& positional : command.positionals) {
    page += ".TP\n" + italic(positional.value_name) + "\n" + prose(positional.description) + "\n";
  }
  for (auto& option : command.options) {
    if (is_help(option) && !with_help) continue;
    page += ".TP\n" + option_tag(option) + "\n" + prose(option.description) + "\n";
  }
}

void write_examples(std::string& page, const std::vector<std::string>& examples) {
  page += ".PP\n.RS 4\n.EX\n";
  for (auto& example : examples) page += literal(example) + "\n";
  page += ".EE\n.RE\n";
}

void write_command(std::string& page, const CommandOutline& command) {
  page += ".SS \"" + literal(command.full_name()) + "\"\n";
  page += synopsis(command) + "\n.PP\n" + prose(sentence(command.description)) + "\n";
  for (auto& note : command.notes) page += ".PP\n" + prose(note) + "\n";
  write_options(page, command, false);
  if (!command.examples.empty()) {
    page += ".PP\n" + std::string(command.examples.size() == 1 ? "Example:" : "Examples:") + "\n";
    write_examples(page, command.examples);
  }
  for (auto& nested : command.commands) write_command(page, nested);
}

// The first example of every command, each once: a page of what people type.
void collect_first_examples(const CommandOutline& command, std::vector<std::string>& examples,
                            std::set<std::string>& seen) {
  if (!command.examples.empty() && seen.insert(command.examples.front()).second)
    examples.push_back(command.examples.front());
  for (auto& nested : command.commands) collect_first_examples(nested, examples, seen);
}

void definition(std::string& page, std::string_view term, std::string_view text) {
  page += ".TP\n" + std::string(term) + "\n" + prose(text) + "\n";
}

}  // namespace

std::string manual_page(const CommandOutline& program, std::string_view version, std::string_view date) {
  std::string page;
  page +=
      ".\\\" responder(1), written by `responder manual` from the command definitions;\n"
      ".\\\" change those, not this file.\n";
  page += ".TH RESPONDER 1 \"" + std::string(date) + "\" \"responder " + literal(version) + "\" \"User Commands\"\n";
  // Paths, option names and playbook stages must read as typed: no
  // hyphenation, and ragged right rather than stretched spaces.
  page += ".nh\n.ad l\n";

  std::string summary = program.description;
  if (auto dash = summary.find(" — "); dash != std::string::npos)
    summary = summary.substr(dash + std::string(" — ").size());
  page += ".SH NAME\nresponder \\- " + prose(summary) + "\n";

  page += ".SH SYNOPSIS\n";
  page += bold("responder") + " [" + italic("global options") + "] " + italic("command") + " [" + italic("options") +
          "] [" + italic("arguments") + "]\n.br\n";
  page += bold("responder") + " [" + italic("command") + "] " + bold("--help") + "\n.br\n";
  page += bold("responder --version") + "\n";

  page += ".SH DESCRIPTION\n" + bold("responder") + "\n" +
          prose(
              "runs incident-response playbooks: YAML files whose steps, under the stages evaluate, notify, "
              "isolate-and-contain, analyze, remediate, accelerated-release and de-escalation, contain an attack, "
              "keep its evidence and later undo the containment exactly.") +
          "\n.PP\n" +
          prose(
              "Each incident has a directory in the incident home, named by its id, holding its journal: "
              "append-only, hash-chained, and written before the run moves on. Status, resume, undo, the "
              "report and the evidence's chain of custody are all read from the journal. A run stopped at any "
              "moment resumes without applying any step twice.") +
          "\n.PP\n" + bold("responder plan") + "\n" +
          prose(
              "prints exactly what a playbook would change and changes nothing.") +
          "\n";

  page += ".SH OPTIONS\n" + prose("Accepted before or after the command name.") + "\n";
  write_options(page, program, true);

  page += ".SH COMMANDS\n";
  for (auto& command : program.commands) write_command(page, command);

  page += ".SH EXIT STATUS\n";
  definition(page, bold(std::to_string(kExitSuccess)), "Success.");
  definition(page, bold(std::to_string(kExitStepFailed)),
             "A step failed, or a check did: a broken journal chain, evidence that does not verify, a host still "
             "without the release.");
  definition(page, bold(std::to_string(kExitBadInput)),
             "Bad input: a playbook, the configuration, an argument or a variable is wrong; nothing was changed.");
  definition(page, bold(std::to_string(kExitRefused)),
             "Refused: by a safety rule, for want of approval, or for want of permission.");
  definition(page, bold(std::to_string(kExitInterrupted)),
             "Interrupted (Ctrl-C, SIGTERM); `responder resume ID` continues the run from its journal.");

  page += ".SH ENVIRONMENT\n";
  definition(page, bold("RESPONDER_HOME"), "Where incidents live when --home is not given; else ./incidents.");
  definition(page, bold("RESPONDER_CONFIG"),
             "The configuration file when --config is not given; else /etc/responder/responder.yaml.");
  definition(page, bold("SUDO_USER") + ", " + bold("USER"),
             "Who acts, as recorded in the journal: the user who ran sudo, else the user.");
  definition(page, bold("SSH_CONNECTION") + ", " + bold("SSH_CLIENT"),
             "The address of the responder's own SSH session, which no step may cut off, like a management range.");

  page += ".SH FILES\n";
  definition(page, italic("/etc/responder/responder.yaml"),
             "The configuration: management ranges, contacts, inventories, keys, and where secrets are.");
  definition(page, italic("HOME/ID/journal.jsonl"),
             "The journal of incident ID: one JSON record per line, each holding the SHA-256 of the one before.");
  definition(page, italic("HOME/ID/evidence/"), "The incident's evidence bundle, write-once once sealed.");
  definition(page, italic("HOME/ID/outbox/"), "Notifications not yet delivered.");
  definition(page, italic("/usr/share/responder/playbooks/"),
             "The shipped playbooks, one per scenario (under /usr/local when installed from a source build).");
  definition(page, italic("/usr/share/doc/responder/README.md"),
             "A tour of playbooks, modules, configuration, approvals and evidence.");

  std::vector<std::string> examples;
  std::set<std::string> seen;
  collect_first_examples(program, examples, seen);
  if (!examples.empty()) {
    page += ".SH EXAMPLES\n" + prose("One for each command; the command's entry above has more.") + "\n";
    write_examples(page, examples);
  }

  page += ".SH SEE ALSO\n";
  page +=
      ".BR nft (8),\n.BR ssh (1),\n.BR ssh\\-keygen (1),\n.BR ansible\\-inventory (1),\n"
      ".BR ansible\\-playbook (1),\n.BR dpkg (1)\n";
  return page;
}

}  // namespace responder
