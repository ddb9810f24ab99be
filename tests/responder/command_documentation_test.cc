// The manual page and the shell completions are written by the program from
// its command definitions: every command and option it parses is in them, the
// page is roff that groff formats without a warning, and the completions
// complete what a user types.
#include <doctest/doctest.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>
#include <sstream>
#include <map>
#include <string>
#include <vector>

#include "responder/command.h"
#include "tests/support/process.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::testing;

namespace {

// The command line as the program defines it, walked here on its own rather
// than through the generator's outline, so that a command or option the
// outline missed is caught.
struct DefinedCommandLine {
  GlobalOptions globals;
  std::map<std::string, CommandAction> actions;
  CLI::App app;
  DefinedCommandLine() { define_command_line(app, globals, actions); }
};

bool hidden(const CLI::App& command) { return command.get_group().empty(); }

// Calls `visit` with each command shown by --help and the words naming it
// ("release", "resume"), nested commands included.
void each_shown_command(const CLI::App& app, const std::vector<std::string>& path,
                        const std::function<void(const CLI::App&, const std::vector<std::string>&)>& visit) {
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (command->get_name().empty() || hidden(*command)) continue;
    auto nested = path;
    nested.push_back(command->get_name());
    visit(*command, nested);
    each_shown_command(*command, nested, visit);
  }
}

std::vector<const CLI::Option*> shown_options(const CLI::App& command) {
  return command.get_options([](const CLI::Option* option) { return !option->get_group().empty(); });
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (auto& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

// How the page spells a name the user types: every dash a minus.
std::string in_roff(const std::string& name) {
  std::string out;
  for (char c : name) out += c == '-' ? std::string("\\-") : std::string(1, c);
  return out;
}

// The page's entry for one command: from its .SS line to the next section.
std::string entry_of(const std::string& page, const std::string& full_name) {
  auto start = page.find(".SS \"" + in_roff(full_name) + "\"\n");
  if (start == std::string::npos) return "";
  auto end = page.find("\n.S", start + 1);
  return page.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::string manual_page() {
  auto r = run_process({RESPONDER_BINARY, "manual"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return r.out;
}

bool have(const std::string& program) { return run_process({"sh", "-c", "command -v " + program}).exit_code == 0; }

// Ends "X\bX" (bold) and "_\bX" (underline) as grotty writes them for a terminal.
std::string plain(const std::string& formatted) {
  std::string out;
  for (char c : formatted) {
    if (c == '\b') {
      if (!out.empty()) out.pop_back();
      continue;
    }
    out += c;
  }
  return out;
}

// The words the bash completion offers for `words` (the last is the one being
// completed), run in `cwd`: one per line, as the script fills COMPREPLY.
std::vector<std::string> bash_completions(const std::filesystem::path& script, const std::vector<std::string>& words,
                                          const std::filesystem::path& cwd = {}) {
  std::vector<std::string> argv{"bash", "--norc", "-c",
                                "source \"$0\" && COMP_WORDS=(\"$@\") && COMP_CWORD=$(($# - 1)) && _responder; "
                                "printf '%s\\n' \"${COMPREPLY[@]}\"",
                                script.string()};
  argv.insert(argv.end(), words.begin(), words.end());
  auto r = run_process(argv, {}, cwd);
  INFO("bash: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  std::vector<std::string> offered;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);)
    if (!line.empty()) offered.push_back(line);
  return offered;
}

bool offers(const std::vector<std::string>& offered, const std::string& word) {
  return std::find(offered.begin(), offered.end(), word) != offered.end();
}

std::filesystem::path written_script(const TempDir& dir, const std::string& shell, const std::string& name) {
  auto r = run_process({RESPONDER_BINARY, "completion", shell});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return dir.write(name, r.out);
}

}  // namespace

TEST_CASE("the manual page has every command shown by --help with each of its options and arguments") {
  DefinedCommandLine defined;
  std::string page = manual_page();
  int commands = 0;
  each_shown_command(defined.app, {}, [&](const CLI::App& command, const std::vector<std::string>& path) {
    ++commands;
    std::string name = "responder " + joined(path);
    CAPTURE(name);
    std::string entry = entry_of(page, name);
    REQUIRE_MESSAGE(!entry.empty(), "no entry for " << name);
    for (const CLI::Option* option : shown_options(command)) {
      if (option == command.get_help_ptr()) continue;
      std::string option_name = option->get_name(true, true);
      CAPTURE(option_name);
      if (option->nonpositional()) {
        for (auto& long_name : option->get_lnames())
          CHECK(entry.find("\\fB" + in_roff("--" + long_name) + "\\fR") != std::string::npos);
        for (auto& short_name : option->get_snames())
          CHECK(entry.find("\\fB" + in_roff("-" + short_name) + "\\fR") != std::string::npos);
      }
      std::string type = option->get_type_name().substr(0, option->get_type_name().find(':'));
      CAPTURE(type);
      // The name may go on past a colon of its own (SEQ:SHA256).
      if (option->get_expected_max() > 0 && type != "TEXT")
        CHECK(entry.find("\\fI" + in_roff(type)) != std::string::npos);
      // The description's opening words, up to what roff spells otherwise.
      std::string description = option->get_description();
      std::string opening;
      for (std::size_t i = 1; i < description.size() && opening.size() < 20; ++i) {
        unsigned char c = description[i];
        if (c >= 0x80 || std::string_view("-\\'`\"").find(static_cast<char>(c)) != std::string_view::npos) break;
        opening += static_cast<char>(c);
      }
      if (opening.size() >= 5) CHECK_MESSAGE(entry.find(opening) != std::string::npos, opening);
    }
  });
  // Every registered command is there, or is hidden from --help and then
  // from the page too.
  for (auto& spec : registered_commands()) {
    CAPTURE(spec.name);
    bool shown = !hidden(*defined.app.get_subcommand(spec.name));
    CHECK((entry_of(page, std::string("responder ") + spec.name).empty() != shown));
  }
  CHECK(commands > static_cast<int>(registered_commands().size()));  // release and evidence have their own
  // The global options, and the sections a manual page is expected to have.
  for (const char* global : {"--home", "--config", "--allow", "--json", "--version", "--help"})
    CHECK_MESSAGE(page.find("\\fB" + in_roff(global) + "\\fR") != std::string::npos, global);
  for (const char* section : {"NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS", "EXIT STATUS", "ENVIRONMENT",
                              "FILES", "EXAMPLES", "SEE ALSO"})
    CHECK_MESSAGE(page.find(std::string(".SH ") + section + "\n") != std::string::npos, section);
  std::string exit_status = page.substr(page.find(".SH EXIT STATUS"));
  for (const char* code : {"0", "1", "2", "3", "4"})
    CHECK_MESSAGE(exit_status.find(".TP\n\\fB" + std::string(code) + "\\fR\n") != std::string::npos, code);
  CHECK(page.find("RESPONDER_HOME") != std::string::npos);
  CHECK(page.find("RESPONDER_CONFIG") != std::string::npos);
  // An example from a command's --help, as typed.
  CHECK(page.find("responder release resume INC\\-42 \\-\\-watch \\-\\-every 5m \\-\\-until 24h") != std::string::npos);
  CHECK(page.find("responder hosts \\(aqweb*:!web03\\(aq") != std::string::npos);
}

TEST_CASE("groff formats the manual page without a warning and it reads as typed") {
  RESPONDER_SKIP_WHEN(have("groff") ? "" : "groff is not installed (apt-get install groff-base)");
  TempDir dir;
  auto page = dir.write("responder.1", manual_page());
  auto formatted = run_process({"groff", "-man", "-Tutf8", "-ww", page.string()});
  CHECK_MESSAGE(formatted.exit_code == 0, formatted.err);
  CHECK_MESSAGE(formatted.err.empty(), formatted.err);
  auto ascii = run_process({"groff", "-man", "-Tascii", "-ww", page.string()});
  REQUIRE(ascii.exit_code == 0);
  std::string text = plain(ascii.out);
  CHECK_MESSAGE(text.find("EXIT STATUS") != std::string::npos, text);
  CHECK(text.find("responder run [options] --incident ID PLAYBOOK") != std::string::npos);
  CHECK(text.find("-i, --inventory FILE") != std::string::npos);
  // No request leaked into the text: a description's leading period or
  // backslash stays text.
  CHECK(text.find("\\f") == std::string::npos);
}

TEST_CASE("mandoc finds nothing to warn about in the manual page") {
  RESPONDER_SKIP_WHEN(have("mandoc") ? "" : "mandoc is not installed (apt-get install mandoc)");
  TempDir dir;
  auto page = dir.write("responder.1", manual_page());
  auto lint = run_process({"mandoc", "-Tlint", "-W", "warning", page.string()});
  CHECK_MESSAGE(lint.exit_code == 0, lint.out << lint.err);
  CHECK_MESSAGE(lint.out.empty(), lint.out);
}

TEST_CASE("the manual command is hidden from --help and from the did-you-mean list") {
  auto help = run_process({RESPONDER_BINARY, "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("completion") != std::string::npos);
  CHECK(help.out.find("manual") == std::string::npos);
  auto mistyped = run_process({RESPONDER_BINARY, "manuel"});
  CHECK(mistyped.exit_code == 2);
  CHECK(mistyped.err.find("manual") == std::string::npos);
}

TEST_CASE("bash completes command names and nested command names") {
  TempDir dir;
  auto script = written_script(dir, "bash", "responder.bash");
  CHECK(bash_completions(script, {"responder", "rel"}) == std::vector<std::string>{"release"});
  auto nested = bash_completions(script, {"responder", "release", ""});
  CHECK(offers(nested, "resume"));
  CHECK(offers(nested, "status"));
  CHECK(bash_completions(script, {"responder", "evidence", "ver"}) == std::vector<std::string>{"verify"});
  // Global options and their values before the command do not hide it.
  CHECK(bash_completions(script, {"responder", "--home", "/tmp", "--json", "release", "res"}) ==
        std::vector<std::string>{"resume"});
  // bash splits --home=DIR at '='.
  CHECK(bash_completions(script, {"responder", "--home", "=", "/tmp", "release", "st"}) ==
        std::vector<std::string>{"status"});
  CHECK_FALSE(offers(bash_completions(script, {"responder", ""}), "manual"));
}

TEST_CASE("bash completes each command's options with the global ones") {
  TempDir dir;
  auto script = written_script(dir, "bash", "responder.bash");
  auto run = bash_completions(script, {"responder", "run", "--"});
  for (const char* option : {"--incident", "--var", "--inventory", "--limit", "--forks", "--help", "--home", "--json"})
    CHECK_MESSAGE(offers(run, option), option);
  CHECK_FALSE(offers(run, "--watch"));
  CHECK(offers(bash_completions(script, {"responder", "release", "resume", "INC-1", "--w"}), "--watch"));

  DefinedCommandLine defined;
  each_shown_command(defined.app, {}, [&](const CLI::App& command, const std::vector<std::string>& path) {
    std::vector<std::string> words{"responder"};
    words.insert(words.end(), path.begin(), path.end());
    CAPTURE(joined(words));
    words.push_back("-");
    auto offered = bash_completions(script, words);
    for (const CLI::Option* option : shown_options(command)) {
      for (auto& name : option->get_lnames()) CHECK_MESSAGE(offers(offered, "--" + name), "--" << name);
      for (auto& name : option->get_snames()) CHECK_MESSAGE(offers(offered, "-" + name), "-" << name);
    }
    words.back() = "";
    auto nested = bash_completions(script, words);
    for (const CLI::App* sub : command.get_subcommands([](const CLI::App*) { return true; }))
      if (!hidden(*sub)) CHECK_MESSAGE(offers(nested, sub->get_name()), sub->get_name());
  });
}

TEST_CASE("bash completes playbooks files directories and choices where each is wanted") {
  TempDir dir;
  auto script = written_script(dir, "bash", "responder.bash");
  dir.write("ddos.yaml", "");
  dir.write("notes.txt", "");
  dir.write("fix.deb", "");
  std::filesystem::create_directory(dir / "plays");

  auto playbook = bash_completions(script, {"responder", "run", "--incident", "INC-1", ""}, dir.path());
  CHECK(offers(playbook, "ddos.yaml"));
  CHECK(offers(playbook, "plays"));
  CHECK_FALSE(offers(playbook, "notes.txt"));
  CHECK_FALSE(offers(playbook, "INC-1"));
  // validate takes any number of playbooks.
  CHECK(offers(bash_completions(script, {"responder", "validate", "ddos.yaml", "d"}, dir.path()), "ddos.yaml"));
  // An incident id is nothing to list; a --var value is not a playbook.
  CHECK(bash_completions(script, {"responder", "status", ""}, dir.path()).empty());
  CHECK(bash_completions(script, {"responder", "plan", "ddos.yaml", "--var", "a", "=", "1", ""}, dir.path()).empty());

  auto config = bash_completions(script, {"responder", "--config", ""}, dir.path());
  CHECK(offers(config, "notes.txt"));
  auto home = bash_completions(script, {"responder", "status", "--home", ""}, dir.path());
  CHECK(home == std::vector<std::string>{"plays"});
  auto package = bash_completions(script, {"responder", "hosts", "prepare", "web", "--package", ""}, dir.path());
  CHECK(offers(package, "fix.deb"));
  CHECK_FALSE(offers(package, "ddos.yaml"));
  CHECK(bash_completions(script, {"responder", "report", "INC-1", "--format", "h"}) ==
        std::vector<std::string>{"html"});
  CHECK(bash_completions(script, {"responder", "report", "INC-1", "--format", "=", "j"}) ==
        std::vector<std::string>{"json"});
}

TEST_CASE("zsh reads the completion function and registers it for responder") {
  RESPONDER_SKIP_WHEN(have("zsh") ? "" : "zsh is not installed (apt-get install zsh)");
  TempDir dir;
  std::filesystem::create_directory(dir / "functions");
  auto script = written_script(dir, "zsh", "functions/_responder");
  CHECK(slurp(script).starts_with("#compdef responder\n"));
  auto parsed = run_process({"zsh", "-n", script.string()});
  CHECK_MESSAGE(parsed.exit_code == 0, parsed.err);
  CHECK(parsed.err.empty());
  // As installed: found in $fpath by compinit, which reads its #compdef line.
  auto registered = run_process(
      {"zsh", "-f", "-c",
       "fpath=(\"$0\" $fpath); autoload -Uz compinit && compinit -u -D && print -r -- \"$_comps[responder]\"",
       (dir / "functions").string()},
      {"HOME=" + dir.path().string()});
  CHECK_MESSAGE(registered.exit_code == 0, registered.err);
  CHECK(registered.out == "_responder\n");
  // Sourced: it defines a function for every command and registers itself.
  auto sourced = run_process({"zsh", "-f", "-c",
                              "autoload -Uz compinit && compinit -u -D && source \"$0\" && print -r -- "
                              "\"$_comps[responder]\" && whence -w _responder__release__resume _responder__run",
                              script.string()},
                             {"HOME=" + dir.path().string()});
  CHECK_MESSAGE(sourced.exit_code == 0, sourced.err);
  CHECK(sourced.err.empty());
  CHECK(sourced.out == "_responder\n_responder__release__resume: function\n_responder__run: function\n");
}

namespace {

// Types each of its arguments then a Tab into an interactive zsh on a
// pseudo-terminal (zsh/zpty), with the completion function found in $fpath
// by compinit as when installed, and prints what the shell showed, each
// answer followed by a line "@@@@". A marker printed after each line is what
// it waits for, so there is no guessing how long completion takes.
constexpr const char* kZshCompletionDriver = R"(zmodload zsh/zpty || exit 3
functions_dir=$1
shift
zpty completing "HOME=${(q)functions_dir} TERM=dumb zsh -f -i"
# The prompt is the sign that the line editor reads keys: typed earlier, a
# Tab is a plain character and Ctrl-U erases the line. Quotes keep the echo of
# what is typed from looking like the prompt or an answer's end.
zpty -w completing "stty rows 200 columns 200; PS1='<pro''mpt> '; LISTMAX=1000"
zpty -w completing "fpath=(${(q)functions_dir} \$fpath); autoload -Uz compinit; compinit -u -D; print -r -- READ''Y"
zpty -r completing answer '*READY*<prompt> '
for typed in "$@"; do
  zpty -w -n completing "$typed"$'\t\C-e\C-u'
  zpty -w completing "print -r -- END''OF''ANSWER"
  zpty -r completing answer '*ENDOFANSWER*<prompt> '
  print -r -- "${answer//$'\r'/}"
  print -r -- "@@@@"
done
zpty -d completing
)";

}  // namespace

TEST_CASE("zsh completes commands options playbooks and choices through the installed function") {
  RESPONDER_SKIP_WHEN(have("zsh") ? "" : "zsh is not installed (apt-get install zsh)");
  TempDir dir;
  std::filesystem::create_directory(dir / "functions");
  written_script(dir, "zsh", "functions/_responder");
  auto driver = dir.write("drive.zsh", kZshCompletionDriver);
  dir.write("ddos.yaml", "");
  dir.write("notes.txt", "");
  std::vector<std::string> typed{"responder rel",
                                 "responder release ",
                                 "responder run --",
                                 "responder run --incident X ",
                                 "responder report X --format ",
                                 "responder --home /tmp evidence ver"};
  std::vector<std::string> argv{"zsh", "-f", driver.string(), (dir / "functions").string()};
  argv.insert(argv.end(), typed.begin(), typed.end());
  auto r = run_process(argv, {"HOME=" + dir.path().string()}, dir.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::vector<std::string> shown;
  for (std::size_t start = 0, end; (end = r.out.find("@@@@\n", start)) != std::string::npos; start = end + 5)
    shown.push_back(r.out.substr(start, end - start));
  REQUIRE(shown.size() == typed.size());
  CHECK_MESSAGE(shown[0].find("responder release ") != std::string::npos, shown[0]);
  CHECK_MESSAGE(shown[1].find("resume") != std::string::npos, shown[1]);
  CHECK(shown[1].find("status") != std::string::npos);
  CHECK_MESSAGE(shown[2].find("--incident") != std::string::npos, shown[2]);
  CHECK(shown[2].find("--inventory") != std::string::npos);
  CHECK(shown[2].find("--home") != std::string::npos);
  CHECK_MESSAGE(shown[3].find("ddos.yaml") != std::string::npos, shown[3]);
  CHECK(shown[3].find("notes.txt") == std::string::npos);
  for (const char* format : {"md", "html", "json", "pdf"})
    CHECK_MESSAGE(shown[4].find(format) != std::string::npos, shown[4]);
  CHECK_MESSAGE(shown[5].find("responder --home /tmp evidence verify ") != std::string::npos, shown[5]);
}

TEST_CASE("documentation: a value name with a colon of its own is shown whole, and a check's words are not part of it") {
  std::string page = manual_page();
  CHECK(page.find("\\fB\\-\\-witness\\fR \\fISEQ:SHA256\\fR") != std::string::npos);
  // --forks has a range check ("INT in [1 - 500]"): its name stays N.
  CHECK(page.find("in [1") == std::string::npos);
}
