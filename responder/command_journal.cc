// responder journal ID [--verify]: print the journal, or check its hash chain.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/journal_format.h"

namespace responder {
namespace {

std::string summary_of(const JournalRecord& r) {
  std::string out;
  for (const char* key : {"step", "stage", "outcome", "by", "error", "detail", "reason", "when"})
    if (auto text = r.text(key); !text.empty()) out += std::string(out.empty() ? "" : " ") + key + "=" + text;
  if (r.kind == "incident.opened")
    if (auto* p = r.fields.if_contains("playbook"); p && p->is_object())
      if (auto* n = p->get_object().if_contains("name"); n && n->is_string()) out = "playbook=" + std::string(n->get_string());
  if (auto* receipt = r.fields.if_contains("receipt"); receipt && receipt->is_object())
    if (auto* changes = receipt->get_object().if_contains("changes"); changes && changes->is_array())
      for (auto& c : changes->get_array()) out += " | " + display(c);
  return out;
}

int journal(const GlobalOptions& globals, const std::string& id, bool verify) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  if (auto s = check_incident_id(id); !s) return report_error(s.error());
  auto file = incident_dir(*env, id) / kJournalFileName;
  if (!std::filesystem::exists(file)) return report_error(bad_input("no incident '" + id + "' under " + env->home.string()));
  if (verify) {
    auto chain = verify_journal(file);
    if (globals.json) {
      std::cout << to_json_text(json::object{{"incident", id}, {"intact", chain.intact}, {"records", chain.records},
                                             {"head", chain.head}, {"problems", string_array(chain.problems)}})
                << "\n";
    } else if (chain.intact) {
      std::cout << "journal of " << id << " is intact: " << chain.records << " records, head " << chain.head << "\n";
    } else {
      std::cout << "journal of " << id << " is BROKEN:\n";
      for (auto& p : chain.problems) std::cout << "  " << p << "\n";
    }
    return chain.intact ? kExitSuccess : kExitStepFailed;
  }
  auto contents = read_journal(file);
  if (!contents) return report_error(contents.error());
  for (auto& r : contents->records) {
    if (globals.json) std::cout << to_json_text(r.fields) << "\n";
    else std::cout << r.seq << "  " << r.time << "  " << r.actor << "  " << r.kind << "  " << summary_of(r) << "\n";
  }
  if (contents->torn_tail)
    std::cerr << "responder: the last line is torn (" << contents->torn_tail->second << " bytes, a write cut short by a crash)\n";
  return kExitSuccess;
}

void setup_journal(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto id = std::make_shared<std::string>();
  auto verify = std::make_shared<bool>(false);
  command.add_option("incident", *id, "incident id")->required()->type_name("ID");
  command.add_flag("--verify", *verify, "check the hash chain; exit 0 only when intact");
  action = [id, verify, &globals] { return journal(globals, *id, *verify); };
}

const CommandRegistration journal_registration{{"journal", "print the incident journal; --verify checks the hash chain", 43, setup_journal}};

}  // namespace
}  // namespace responder
