// The command line as a tired person types it: a mistyped command is named
// with the command that was likely meant, and nothing runs.
#include <doctest/doctest.h>

#include "tests/support/process.h"

using namespace responder::testing;

TEST_CASE("a mistyped command says which command was likely meant, with exit 2") {
  TempDir dir;
  auto r = run_process({RESPONDER_BINARY, "--home", (dir / "incidents").string(), "stauts", "INC-1"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("unknown command 'stauts'; did you mean 'status'?") != std::string::npos, r.err);
  CHECK(r.err.find("commands: validate, modules, plan, run") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "incidents"));

  auto swapped = run_process({RESPONDER_BINARY, "--json", "plna", "x.yaml"});
  CHECK(swapped.exit_code == 2);
  CHECK(swapped.err.find("did you mean 'plan'?") != std::string::npos);

  auto far = run_process({RESPONDER_BINARY, "incident-report"});
  CHECK(far.exit_code == 2);
  CHECK(far.err.find("unknown command 'incident-report'") != std::string::npos);
  CHECK(far.err.find("did you mean") == std::string::npos);
}

TEST_CASE("a mistyped command of a command that has its own (release, evidence) says which was likely meant") {
  TempDir dir;
  auto r = run_process({RESPONDER_BINARY, "--home", (dir / "incidents").string(), "release", "stauts", "INC-1"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("responder release: unknown command 'stauts'; did you mean 'status'?") != std::string::npos, r.err);
  CHECK(r.err.find("commands: status, resume, export, import") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "incidents"));
  // A real one still works, and a missing one is CLI11's own message.
  auto missing = run_process({RESPONDER_BINARY, "release"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("unknown command") == std::string::npos);
}

TEST_CASE("global options before a real command are not taken for a command") {
  TempDir dir;
  auto r = run_process({RESPONDER_BINARY, "--home", (dir / "incidents").string(), "--allow", "192.0.2.0/24", "validate",
                        (std::filesystem::path(RESPONDER_SOURCE_DIR) / "playbooks" / "ddos-flood.yaml").string()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("unknown command") == std::string::npos);
}

TEST_CASE("a command word of control characters or 100,000 bytes is quoted on one short line") {
  auto r = run_process({RESPONDER_BINARY, "st\x1b[2Jatus"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find('\x1b') == std::string::npos);
  auto longer = run_process({RESPONDER_BINARY, std::string(100000, 's')});
  CHECK(longer.signal == 0);
  CHECK(longer.exit_code == 2);
  CHECK(longer.err.size() < 2000);
}

TEST_CASE("a --var given twice is refused, not quietly the last one, and nothing is created") {
  TempDir dir;
  auto playbook = dir.write("p.yaml", "name: p\nvariables:\n  attacker: ip\nstages:\n  evaluate:\n"
                                      "    - id: n\n      module: note.add\n      with: {text: \"{{ attacker }}\"}\n");
  auto r = run_process({RESPONDER_BINARY, "--home", (dir / "incidents").string(), "run", playbook.string(), "--incident",
                        "V1", "--var", "attacker=203.0.113.7", "--var", "attacker=203.0.113.8"});
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("--var 'attacker' is given twice") != std::string::npos, r.err);
  CHECK_FALSE(std::filesystem::exists(dir / "incidents" / "V1"));
}

TEST_CASE("plan names the hosts a templated targets: resolves to, not the template") {
  TempDir dir;
  auto inventory = dir.write("hosts.ini", "[web]\nweb01 ansible_connection=local\n");
  auto playbook = dir.write("p.yaml", "name: p\nvariables:\n  fleet: {type: string, default: all}\nstages:\n  evaluate:\n"
                                      "    - id: n\n      module: note.add\n      targets: \"{{ fleet }}\"\n"
                                      "      with: {text: hi}\n");
  auto r = run_process({RESPONDER_BINARY, "plan", playbook.string(), "-i", inventory.string(), "--var", "fleet=web"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("n [note.add] on web") != std::string::npos);
  CHECK(r.out.find("{{ fleet }}") == std::string::npos);
  // An inventory host reached as `local` runs in this process, as this build.
  auto run = run_process({RESPONDER_BINARY, "--home", (dir / "incidents").string(), "run", playbook.string(), "-i",
                          inventory.string(), "--var", "fleet=web", "--incident", "L1"});
  INFO(run.out, run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.out.find("install responder") == std::string::npos);
}

TEST_CASE("responder incidents lists every incident with its state, and says so when a journal is broken") {
  TempDir dir;
  std::string home = (dir / "incidents").string();
  auto none = run_process({RESPONDER_BINARY, "--home", home, "incidents"});
  CHECK(none.exit_code == 0);
  CHECK(none.out.find("no incidents in") != std::string::npos);
  auto playbook = dir.write("p.yaml", "name: listed\nstages:\n  evaluate:\n    - id: n\n      module: note.add\n"
                                      "      with: {text: hi}\n");
  for (std::string id : {"A-1", "B-2"})
    REQUIRE(run_process({RESPONDER_BINARY, "--home", home, "run", playbook.string(), "--incident", id}).exit_code == 0);
  // Break B-2's chain: one changed byte in its first record.
  auto journal = dir / "incidents" / "B-2" / "journal.jsonl";
  std::string text = slurp(journal);
  text[text.find("listed")] = 'L';
  std::ofstream(journal, std::ios::binary | std::ios::trunc) << text;
  auto r = run_process({RESPONDER_BINARY, "--home", home, "incidents"});
  INFO(r.out, r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("A-1       listed") != std::string::npos);
  CHECK(r.out.find("completed") != std::string::npos);
  CHECK(r.out.find("JOURNAL BROKEN") != std::string::npos);
  auto json = run_process({RESPONDER_BINARY, "--home", home, "--json", "incidents"});
  CHECK(json.out.find("\"incident\":\"A-1\",\"playbook\":\"listed\",\"state\":\"completed\"") != std::string::npos);
}

TEST_CASE("responder modules lists the modules from their schemas, and one module's parameters") {
  auto all = run_process({RESPONDER_BINARY, "modules"});
  CHECK(all.exit_code == 0);
  for (std::string name : {"firewall.block", "evidence.collect", "containment.undo", "report.write", "note.add"})
    CHECK_MESSAGE(all.out.find("\n" + name + " ") != std::string::npos, name);
  auto one = run_process({RESPONDER_BINARY, "modules", "firewall.block"});
  CHECK(one.exit_code == 0);
  CHECK(one.out.find("stages: isolate-and-contain") != std::string::npos);
  CHECK(one.out.find("    addresses: ") != std::string::npos);
  auto json = run_process({RESPONDER_BINARY, "--json", "modules", "note.add"});
  CHECK(json.out.find("\"module\":\"note.add\"") != std::string::npos);
  CHECK(json.out.find("\"params\":[{\"name\":\"text\"") != std::string::npos);
  auto typo = run_process({RESPONDER_BINARY, "modules", "firewall.blok"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err.find("did you mean 'firewall.block'?") != std::string::npos);
}

TEST_CASE("every command's --help shows at least one example") {
  auto listing = run_process({RESPONDER_BINARY, "zzzz"});
  auto at = listing.err.find("commands: ");
  REQUIRE(at != std::string::npos);
  std::string names = listing.err.substr(at + 10, listing.err.find('\n', at) - at - 10);
  std::size_t count = 0;
  for (std::size_t start = 0; start < names.size();) {
    auto comma = names.find(", ", start);
    std::string name = names.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? names.size() : comma + 2;
    auto help = run_process({RESPONDER_BINARY, name, "--help"});
    CHECK_MESSAGE(help.out.find("Example") != std::string::npos, name);
    ++count;
  }
  CHECK(count >= 15);
}

TEST_CASE("words after a repeatable global option are its values, not a mistyped command") {
  auto r = run_process({RESPONDER_BINARY, "--allow", "192.0.2.0/24", "198.51.100.0/24", "validate",
                        (std::filesystem::path(RESPONDER_SOURCE_DIR) / "playbooks" / "ddos-flood.yaml").string()});
  CHECK_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err.find("unknown command") == std::string::npos);
}
