// responder journal ID [--verify]: print the journal, or check its hash chain.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <optional>

#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/journal_format.h"
#include "responder/journal_record_kind.h"
#include "responder/message_text.h"
#include "responder/unverified_output.h"

namespace responder {
namespace {

std::string summary_of(const JournalRecord& r) {
  std::string out;
  for (const char* key : {"step", "stage", "outcome", "by", "error", "detail", "reason", "when"})
    if (auto text = r.text(key); !text.empty()) out += std::string(out.empty() ? "" : " ") + key + "=" + text;
  if (r.kind == record_kind::incident_opened || r.kind == record_kind::incident_reopened)
    if (auto* p = r.fields.if_contains("playbook"); p && p->is_object())
      if (auto* n = p->get_object().if_contains("name"); n && n->is_string()) out = "playbook=" + std::string(n->get_string());
  if (r.kind == record_kind::variables_changed)
    if (auto* v = r.fields.if_contains("variables"); v && v->is_object())
      for (auto& [name, value] : v->get_object()) {
        auto* before = r.fields.if_contains("previous");
        const json::value* old = before && before->is_object() ? before->get_object().if_contains(name) : nullptr;
        out += std::string(out.empty() ? "" : " ") + std::string(name) + "=" + (old ? display(*old) : "?") + " -> " + display(value);
      }
  if (auto* receipt = r.fields.if_contains("receipt"); receipt && receipt->is_object())
    if (auto* changes = receipt->get_object().if_contains("changes"); changes && changes->is_array())
      for (auto& c : changes->get_array()) out += " | " + display(c);
  return out;
}

struct JournalOptions {
  std::string id;
  bool verify = false;
  bool force = false;
  std::vector<std::string> witnesses;
};

int verify(const GlobalOptions& globals, const JournalOptions& options, const std::filesystem::path& file) {
  std::vector<JournalWitness> witnesses;
  for (auto& text : options.witnesses) {
    auto witness = parse_witness(text);
    if (!witness) return report_error(witness.error());
    witnesses.push_back(*witness);
  }
  auto chain = verify_journal(file, witnesses);
  const std::string& id = options.id;
  // A torn last line is what a crash mid-write leaves, not a change to the
  // chain (README): the records before it are judged, the line is named.
  const bool intact = chain.breaks == 0;
  std::string torn = intact && !chain.problems.empty() ? chain.problems.front() : std::string();
  if (globals.json) {
    std::cout << to_json_text(json::object{{"incident", id},
                                           {"intact", intact},
                                           {"torn_last_line", torn.empty() ? json::value(nullptr) : json::value(torn)},
                                           {"records", chain.records},
                                           {"head", chain.head},
                                           {"witness", chain.head_witness().text()},
                                           {"witnesses_checked", string_array(options.witnesses)},
                                           {"problems", string_array(chain.problems)}})
              << "\n";
  } else if (intact) {
    std::cout << "journal of " << id << " is intact: " << chain.records << " records, head "
              << chain.head_witness().text() << "\n";
    for (auto& w : witnesses) std::cout << "  witness " << w.text() << ": the journal still holds that record unchanged\n";
    if (!torn.empty())
      std::cout << "  after them, " << torn << "; it is no record, and the next write sets it aside\n";
  } else {
    std::cout << "journal of " << id << " is BROKEN:\n";
    for (auto& p : chain.problems) std::cout << "  " << p << "\n";
  }
  return intact ? kExitSuccess : kExitStepFailed;
}

int journal(const GlobalOptions& globals, const JournalOptions& options) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  auto file = incident_journal_file(*env, options.id);
  if (!file) return report_error(file.error());
  if (options.verify || !options.witnesses.empty()) return verify(globals, options, *file);
  auto bytes = read_journal_file(*file);
  if (!bytes) return report_error(refusal(bytes.error().message));
  auto chain = verify_journal_bytes(*bytes);
  if (chain.breaks && !options.force)
    return report_error(refusal("the journal of " + options.id + " failed verification: " + chain.first_break +
                                ". `responder journal " + options.id + " --verify` lists every break; --force prints it anyway"));
  std::optional<UnverifiedOutput> unverified;
  if (chain.breaks) unverified.emplace(globals.json, chain.first_break);
  auto contents = read_journal_bytes(*bytes, file->string());
  if (!contents) return report_error(refusal(contents.error().message));
  for (auto& r : contents->records) {
    if (globals.json) std::cout << to_json_text(r.fields) << "\n";
    else
      std::cout << r.seq << "  " << one_line(r.time) << "  " << one_line(r.actor) << "  " << one_line(r.kind) << "  "
                << one_line(summary_of(r)) << "\n";
  }
  if (contents->torn_tail)
    std::cerr << "responder: the last line is torn (" << contents->torn_tail->second << " bytes, a write cut short by a crash)\n";
  return kExitSuccess;
}

void setup_journal(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<JournalOptions>();
  command.add_option("incident", options->id, "incident id")->required()->type_name("ID");
  command.add_flag("--verify", options->verify, "check the hash chain; exit 0 only when intact");
  command.add_option("--witness", options->witnesses,
                     "a head printed earlier by run or status (repeatable): prove the journal still holds that record")
      ->type_name("SEQ:SHA256");
  command.add_flag("--force", options->force, "print a journal that fails verification anyway; every line says so");
  command.footer("Examples:\n  responder journal INC-42 --verify\n"
                 "  responder journal INC-42 --verify --witness 57:3f1c...   (the head `run` printed)");
  action = [options, &globals] { return journal(globals, *options); };
}

const CommandRegistration journal_registration{{"journal", "print the incident journal; --verify checks the hash chain", 43, setup_journal}};

}  // namespace
}  // namespace responder
