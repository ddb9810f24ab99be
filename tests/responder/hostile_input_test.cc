// Input written to crash or mislead the validator (issue 12): nesting deep
// enough to exhaust the stack, names long enough to break std::regex, bytes
// that are not text, and keys that try to forge a second diagnostic line.
// Each must end in one located, one-line error and never in a crash.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "containment/systemd/systemd_units.h"
#include "responder/config.h"
#include "responder/diagnostic.h"
#include "responder/expression.h"
#include "responder/incident_home.h"
#include "responder/message_text.h"
#include "responder/playbook_loader.h"
#include "responder/variables.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::systemd;
using namespace responder::testing;

namespace {

constexpr std::size_t kLong = 100000;

std::string repeat(const std::string& piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

std::vector<Diagnostic> errors_of(const LoadedPlaybook& loaded) {
  std::vector<Diagnostic> errors;
  for (auto& d : loaded.diagnostics)
    if (!d.warning) errors.push_back(d);
  return errors;
}

// The playbook is refused, and its first error is at `line`:`column` and
// says `fragment`, in one short line.
void check_refused_at(const LoadedPlaybook& loaded, int line, int column, const std::string& fragment) {
  auto errors = errors_of(loaded);
  std::string all;
  for (auto& d : errors) all += d.format().substr(0, 300) + "\n";
  INFO("diagnostics:\n" << all);
  CHECK_FALSE(loaded.playbook.has_value());
  REQUIRE_FALSE(errors.empty());
  CHECK(errors[0].line == line);
  CHECK(errors[0].column == column);
  CHECK(errors[0].message.find(fragment) != std::string::npos);
  for (auto& d : errors) {
    CHECK(d.format().find('\n') == std::string::npos);
    CHECK(d.format().size() < 600);
  }
}

std::string step_playbook(const std::string& step_lines) {
  return "name: hostile\nstages:\n  evaluate:\n    - id: a\n      module: note.add\n      with: {text: hi}\n" + step_lines;
}

}  // namespace

// --- nesting -------------------------------------------------------------

TEST_CASE("a when: nested 100,000 levels deep is refused at the level past the limit") {
  for (const std::string open : {"(", "not ", "["}) {
    SUBCASE(open.c_str()) {
      std::string close = open == "(" ? ")" : open == "[" ? "]" : "";
      std::string text = repeat(open, kLong) + "x" + repeat(close, kLong);
      auto parsed = Expression::parse(text);
      auto* error = std::get_if<ExpressionError>(&parsed);
      REQUIRE(error);
      CHECK(error->offset == open.size() * kMaxExpressionNesting);
      CHECK(error->message.find("nested more than 64 levels") != std::string::npos);
    }
  }
}

TEST_CASE("when: nesting up to the limit is accepted, one more level is not") {
  json::object scope{{"x", true}};
  auto lookup = [&](const std::vector<std::string>& p) { return lookup_path(scope, p); };
  auto at_limit = Expression::parse(repeat("(", kMaxExpressionNesting) + "x" + repeat(")", kMaxExpressionNesting));
  REQUIRE(std::holds_alternative<Expression>(at_limit));
  CHECK(*std::get<Expression>(at_limit).evaluate(lookup));
  auto past = Expression::parse(repeat("(", kMaxExpressionNesting + 1) + "x" + repeat(")", kMaxExpressionNesting + 1));
  CHECK(std::holds_alternative<ExpressionError>(past));
}

TEST_CASE("a when: of 150,000 terms joined by and/or parses, evaluates and is freed without deep recursion") {
  json::object scope{{"x", true}, {"y", false}};
  auto lookup = [&](const std::vector<std::string>& p) { return lookup_path(scope, p); };
  {
    auto parsed = Expression::parse("x" + repeat(" and x", 150000));
    REQUIRE(std::holds_alternative<Expression>(parsed));
    CHECK(*std::get<Expression>(parsed).evaluate(lookup));
  }
  {
    auto parsed = Expression::parse("y" + repeat(" or y", 150000) + " or x");
    REQUIRE(std::holds_alternative<Expression>(parsed));
    CHECK(*std::get<Expression>(parsed).evaluate(lookup));
  }
}

TEST_CASE("a deeply nested when: in a playbook is a diagnostic at FILE:LINE:COL") {
  // `when: "` puts the expression's first character at column 14 of line 7.
  std::string text = step_playbook("      when: \"" + repeat("(", kLong) + "x" + repeat(")", kLong) + "\"\n");
  check_refused_at(load_playbook_text(text, "deep.yaml"), 7, 14 + kMaxExpressionNesting, "nested more than 64 levels");
}

TEST_CASE("a with: value nested 100,000 levels deep is refused with its location") {
  for (const std::string open : {"[", "{a: "}) {
    SUBCASE(open.c_str()) {
      std::string close = open == "[" ? "]" : "}";
      std::string text = "name: hostile\nstages:\n  evaluate:\n    - id: a\n      module: note.add\n"
                         "      with: {text: " + repeat(open, kLong) + "x" + repeat(close, kLong) + "}\n";
      auto loaded = load_playbook_text(text, "deep.yaml");
      auto errors = errors_of(loaded);
      CHECK_FALSE(loaded.playbook.has_value());
      REQUIRE_FALSE(errors.empty());
      CHECK(errors[0].line == 6);
      CHECK(errors[0].column > 0);
      CHECK(errors[0].message.find("deep") != std::string::npos);
    }
  }
}

TEST_CASE("block sequences nested 100,000 levels deep are refused with a location") {
  std::string text = "name: hostile\ndescription:\n  " + repeat("- ", kLong) + "x\n";
  auto loaded = load_playbook_text(text, "deep.yaml");
  auto errors = errors_of(loaded);
  CHECK_FALSE(loaded.playbook.has_value());
  REQUIRE_FALSE(errors.empty());
  CHECK(errors[0].line == 3);
  CHECK(errors[0].message.find("nested more than 64 levels") != std::string::npos);
}

TEST_CASE("a configuration file nested 100,000 levels deep is refused with its location") {
  TempDir dir;
  auto file = dir.write("deep.yaml", "management: " + repeat("[", kLong) + repeat("]", kLong) + "\n");
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(file, true, diagnostics);
  CHECK_FALSE(config.ok());
  REQUIRE_FALSE(diagnostics.empty());
  CHECK(diagnostics[0].line == 1);
  CHECK(diagnostics[0].column > 1);
  CHECK(diagnostics[0].message.find("deep") != std::string::npos);
}

TEST_CASE("a configuration nested past the converter's limit names the line and column") {
  TempDir dir;
  auto file = dir.write("deep.yaml", "management: " + repeat("[", 100) + repeat("]", 100) + "\n");
  std::vector<Diagnostic> diagnostics;
  CHECK_FALSE(load_config(file, true, diagnostics).ok());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].line == 1);
  CHECK(diagnostics[0].column == 12 + 65);
  CHECK(diagnostics[0].message.find("nested more than 64 levels") != std::string::npos);
}

TEST_CASE("a variable declared in shorthand (`name: type`) loads") {
  // Found while writing the tests below: the shorthand was refused with an
  // unlocated "`items` is only for type: list".
  auto loaded = load_playbook_text("name: v\nvariables:\n  count: int\nstages:\n  evaluate:\n"
                                   "    - id: a\n      module: note.add\n      with: {text: hi}\n",
                                   "v.yaml");
  for (auto& d : loaded.diagnostics) INFO(d.format());
  REQUIRE(loaded.playbook.has_value());
  CHECK(loaded.playbook->variables.at(0).type == ValueType{TypeKind::integer});
}

// --- long names ----------------------------------------------------------

TEST_CASE("100,000-character names are refused where they stand, in a short message") {
  std::string name(kLong, 'a');
  SUBCASE("register") {
    check_refused_at(load_playbook_text(step_playbook("      register: " + name + "\n"), "long.yaml"), 7, 17,
                     "`register` is a name");
  }
  SUBCASE("variable") {
    // An explicit key (`? `): YAML caps implicit keys at 1024 characters.
    std::string text = "name: hostile\nvariables:\n  ? " + name + "\n  : string\nstages:\n  evaluate:\n"
                       "    - id: a\n      module: note.add\n      with: {text: hi}\n";
    check_refused_at(load_playbook_text(text, "long.yaml"), 3, 5, "is not a usable variable name");
  }
  SUBCASE("step id") {
    std::string text = "name: hostile\nstages:\n  evaluate:\n    - id: " + name + "\n      module: note.add\n"
                       "      with: {text: hi}\n";
    check_refused_at(load_playbook_text(text, "long.yaml"), 4, 11, "may use letters, digits");
  }
  SUBCASE("account.lock user") {
    std::string text = "name: hostile\nstages:\n  isolate-and-contain:\n    - id: lock\n      module: account.lock\n"
                       "      with: {users: [" + name + "]}\n";
    check_refused_at(load_playbook_text(text, "long.yaml"), 6, 22, "too long for a users");
  }
  SUBCASE("evidence.image name") {
    std::string text = "name: hostile\nstages:\n  analyze:\n    - id: image\n      module: evidence.image\n"
                       "      with: {source: /dev/null, name: " + name + "}\n";
    check_refused_at(load_playbook_text(text, "long.yaml"), 6, 39, "too long for a name");
  }
  SUBCASE("reference in when:") {
    check_refused_at(load_playbook_text(step_playbook("      when: " + name + "\n"), "long.yaml"), 7, 13,
                     "is not known at this point");
  }
}

TEST_CASE("a long user name that fits the pattern still matches without std::regex") {
  std::string user(4000, 'u');
  std::string text = "name: ok\nstages:\n  isolate-and-contain:\n    - id: lock\n      module: account.lock\n"
                     "      with: {users: [" + user + "]}\n";
  auto loaded = load_playbook_text(text, "ok.yaml");
  for (auto& d : loaded.diagnostics) INFO(d.format().substr(0, 300));
  CHECK(loaded.playbook.has_value());
}

TEST_CASE("unit names are checked by systemd's rule without std::regex") {
  for (const char* good : {"ssh", "sshd.service", "openvpn@client.service", "openvpn@.service", "a:b_c.d-e", "x\\x2dy"})
    CHECK_MESSAGE(canonical_unit_name(good).ok(), good);
  for (const std::string& bad : std::vector<std::string>{"", "@x", "a@b@c", "web;reboot", "a b", std::string(256, 'u'), std::string(kLong, 'u')}) {
    auto r = canonical_unit_name(bad);
    CHECK_FALSE(r.ok());
    if (!r.ok()) CHECK(r.error().message.size() < 200);
  }
  CHECK(*canonical_unit_name("ssh") == "ssh.service");
}

TEST_CASE("a 100,000-character incident id is refused in a short message") {
  auto s = check_incident_id(std::string(kLong, 'i'));
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.size() < 300);
  CHECK(check_incident_id(std::string(64, 'i')).ok());
  CHECK_FALSE(check_incident_id(std::string(65, 'i')).ok());
}

TEST_CASE("--var with a 100,000-character name or value is refused in a short message") {
  auto loaded = load_playbook_text("name: v\nvariables:\n  count: int\n  note: string\nstages:\n  evaluate:\n"
                                   "    - id: a\n      module: note.add\n      with: {text: '{{ note }}'}\n",
                                   "v.yaml");
  for (auto& d : loaded.diagnostics) INFO(d.format());
  REQUIRE(loaded.playbook.has_value());
  for (auto& assignment : {std::string(kLong, 'n') + "=1", "count=" + std::string(kLong, '9'),
                           std::string(kLong, 'x')}) {
    auto r = resolve_variables(*loaded.playbook, {assignment}, false);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.size() < 400);
  }
  auto fine = resolve_variables(*loaded.playbook, {"note=" + std::string(kLong, 'n')}, false);
  CHECK(fine.ok());
}

// --- bytes that are not text -----------------------------------------------

TEST_CASE("a raw NUL byte or bad UTF-8 anywhere in a playbook is refused at its line and column") {
  std::string base = "name: bytes\nstages:\n  evaluate:\n    - id: a\n      module: note.add\n";
  SUBCASE("NUL in a value") {
    std::string text = base + "      with: {text: \"ab" + std::string(1, '\0') + "c\"}\n";
    check_refused_at(load_playbook_text(text, "nul.yaml"), 6, 23, "NUL");
  }
  SUBCASE("NUL in a plain value") {
    std::string text = base + "      with: {text: ab" + std::string(1, '\0') + "}\n";
    check_refused_at(load_playbook_text(text, "nul.yaml"), 6, 22, "NUL");
  }
  SUBCASE("bad UTF-8 in a value, after a multi-byte character") {
    std::string text = base + "      with: {text: \"\xc3\xa9t\xff\xfe\"}\n";
    check_refused_at(load_playbook_text(text, "utf8.yaml"), 6, 23, "0xff is not valid UTF-8");
  }
  SUBCASE("bad UTF-8 in a key") {
    std::string text = "name: bytes\n\xc0\xafkey: 1\nstages: {}\n";
    check_refused_at(load_playbook_text(text, "utf8.yaml"), 2, 1, "not valid UTF-8");
  }
  SUBCASE("an escape character in a value") {
    std::string text = base + "      with: {text: \"\x1b[2J\"}\n";
    check_refused_at(load_playbook_text(text, "esc.yaml"), 6, 21, "U+001B");
  }
  SUBCASE("a NUL written as a YAML escape") {
    std::string text = base + "      with: {text: \"ab\\0c\"}\n";
    auto errors = errors_of(load_playbook_text(text, "escape.yaml"));
    REQUIRE_FALSE(errors.empty());
    CHECK(errors[0].line == 6);
    CHECK(errors[0].message.find("NUL") != std::string::npos);
  }
}

TEST_CASE("--var values that are not text are refused") {
  auto loaded = load_playbook_text("name: v\nvariables:\n  note: string\nstages:\n  evaluate:\n"
                                   "    - id: a\n      module: note.add\n      with: {text: '{{ note }}'}\n",
                                   "v.yaml");
  for (auto& d : loaded.diagnostics) INFO(d.format());
  REQUIRE(loaded.playbook.has_value());
  for (const std::string& value : {std::string("ab\xff"), std::string("a\0b", 3), std::string("\x1b[31mred")}) {
    auto r = resolve_variables(*loaded.playbook, {"note=" + value}, false);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("--var note: at character") == 0);
  }
}

TEST_CASE("a configuration file with a NUL byte is refused at its line and column") {
  TempDir dir;
  auto file = dir.write("nul.yaml", "contacts: /etc/" + std::string(1, '\0') + "x\n");
  std::vector<Diagnostic> diagnostics;
  CHECK_FALSE(load_config(file, true, diagnostics).ok());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].line == 1);
  CHECK(diagnostics[0].column == 16);
}

// --- one line per diagnostic ---------------------------------------------

TEST_CASE("a key holding a newline or terminal escape cannot forge a second line") {
  std::string text = "name: forged\n\"x\\nforged.yaml:1:1: all clear\\e[2J\": 1\nstages:\n  evaluate: []\n";
  auto loaded = load_playbook_text(text, "forged.yaml");
  auto errors = errors_of(loaded);
  REQUIRE_FALSE(errors.empty());
  auto line = errors[0].format();
  CHECK(line.rfind("forged.yaml:2:1: unknown key 'x\\nforged.yaml:1:1: all clear\\x1b[2J'", 0) == 0);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
}

TEST_CASE("Diagnostic::format escapes every control character and bad byte") {
  Diagnostic d{"a\nb.yaml", 3, 4, "x\r\ty\x7f\xc2\x9b" "z\xff", false};
  CHECK(d.format() == "a\\nb.yaml:3:4: x\\r\\ty\\x7f\\u009bz\\xff");
  CHECK(in_quotes(std::string(kLong, 'q')).size() < 120);
  CHECK(in_quotes("caf\xc3\xa9") == "'caf\xc3\xa9'");
}

// --- through the real binary ---------------------------------------------

TEST_CASE("responder validate and plan refuse a deep when: with exit 2 and one located line") {
  TempDir dir;
  auto file = dir.write("deep.yaml", step_playbook("      when: \"" + repeat("(", kLong) + "x" + repeat(")", kLong) + "\"\n"));
  for (const char* command : {"validate", "plan"}) {
    INFO(command);
    auto r = run_process({RESPONDER_BINARY, "--home", (dir / "incidents").string(), command, file.string()});
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(file.string() + ":7:78: in `when`: nested more than 64 levels") != std::string::npos);
  }
}

TEST_CASE("responder validate refuses a NUL byte with exit 2 at its location") {
  TempDir dir;
  auto file = dir.write("nul.yaml", step_playbook("      register: a" + std::string(1, '\0') + "b\n"));
  auto r = run_process({RESPONDER_BINARY, "validate", file.string()});
  CHECK(r.signal == 0);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file.string() + ":7:18: a NUL byte") != std::string::npos);
}

TEST_CASE("responder status and evidence refuse a 100,000-character incident id without crashing") {
  TempDir dir;
  std::string id(kLong, 'i');
  for (std::vector<std::string> args : {std::vector<std::string>{"status", id}, {"evidence", "list", id}}) {
    std::vector<std::string> argv{RESPONDER_BINARY, "--home", (dir / "incidents").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run_process(argv);
    INFO(args[0]);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 2);
    CHECK(r.err.size() < 400);
  }
}
