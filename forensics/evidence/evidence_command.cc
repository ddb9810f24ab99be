// `responder evidence list|verify|export|custody`: the commands legal and
// forensics staff use on an incident's evidence bundle.
#include <CLI/CLI.hpp>

#include <iostream>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

#include "forensics/evidence/custody_log.h"
#include "forensics/evidence/evidence_export.h"
#include "forensics/evidence/evidence_lock.h"
#include "forensics/evidence/evidence_manifest.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/evidence_verifier.h"
#include "forensics/evidence/tar_reader.h"
#include "responder/journal.h"
#include "responder/sha256.h"
#include "responder/message_text.h"
#include "responder/name_syntax.h"
#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/unverified_output.h"

namespace responder::evidence {
namespace {

struct EvidenceArgs {
  std::string id;            // ID, or for verify: ID | DIR | BUNDLE.tar
  std::string out;           // export --out
  std::string add, as;       // custody --add --as
  std::string why;           // export --why
  std::string fingerprint;   // verify --fingerprint
  std::string tsa_ca;        // verify --tsa-ca
  bool write_once = false;   // verify --write-once (for a DIR that is a live store)
  bool force = false;        // list, verify, custody (reading): go on with a journal that fails verification
};

int fail_with(const Error& error) {
  std::cerr << "responder evidence: " << error.message << "\n";
  return exit_code_for(error.kind);
}

Result<std::filesystem::path> incident_evidence(const Environment& env, const std::string& id) {
  if (!is_label(id)) return bad_input(in_quotes(id) + " is not an incident ID");
  auto dir = evidence_dir(env.home / id);
  if (!std::filesystem::exists(dir / "manifest.json") && !std::filesystem::exists(dir / "custody.jsonl"))
    return bad_input("incident " + id + " has no evidence under " + dir.string());
  return dir;
}

// The incident's journal says who approved and collected each item; an
// evidence command on an incident whose journal fails verification is
// refused, or with --force (read-only commands) marked on every line.
Status check_incident_journal(const Environment& env, const std::string& id, bool read_only, bool force,
                              std::optional<UnverifiedOutput>& mark) {
  auto file = incident_journal_file(env, id);
  if (!file) return file.error().kind == ErrorKind::bad_input ? Status{} : Status{file.error()};  // evidence without a run
  auto chain = verify_journal(*file);
  if (!chain.breaks) return {};
  if (!read_only || !force)
    return refusal("the journal of incident " + id + " failed verification: " + chain.first_break + ". `responder journal " +
                   id + " --verify` lists every break" + (read_only ? "; --force goes on anyway" : ""));
  mark.emplace(env.json, chain.first_break);
  return {};
}

std::string field(const json::object& o, const char* key) {
  if (auto* v = o.if_contains(key)) return display(*v);
  return "";
}

int list_command(const Environment& env, const EvidenceArgs& args) {
  auto dir = incident_evidence(env, args.id);
  if (!dir) return fail_with(dir.error());
  std::optional<UnverifiedOutput> mark;
  if (auto s = check_incident_journal(env, args.id, true, args.force, mark); !s) return fail_with(s.error());
  auto manifest = EvidenceManifest::read(*dir);
  if (!manifest) return fail_with(manifest.error());
  if (env.json) {
    json::object head;
    head["incident"] = args.id;
    head["bundle"] = manifest->bundle;
    std::cout << to_json_text(head) << "\n";
    for (auto& item : manifest->items) std::cout << to_json_text(item.to_json()) << "\n";
    return kExitSuccess;
  }
  auto& b = manifest->bundle;
  std::cout << "incident " << args.id << ": " << manifest->items.size() << " items, " << field(b, "state");
  if (field(b, "state") == "sealed")
    std::cout << " " << field(b, "sealed") << " by " << field(b, "sealed_by") << ", Merkle root "
              << field(b, "merkle_root");
  std::cout << "\n";
  if (auto* host = b.if_contains("host"); host && host->is_object())
    std::cout << "host " << field(host->get_object(), "hostname") << " (machine-id "
              << field(host->get_object(), "machine_id") << ")\n";
  for (auto& item : manifest->items) {
    std::cout << "\n  " << item.path << "\n    size     " << item.size << " bytes\n    sha256   " << item.sha256
              << "\n    acquired " << item.acquired_from << " .. " << item.acquired_to << " by " << item.actor
              << "\n    source   " << item.source << "\n    method   " << item.method << "\n    write    "
              << item.write_once << "\n";
  }
  return kExitSuccess;
}

void print_report(const VerifyReport& report, bool as_json) {
  for (auto& f : report.findings) {
    const char* word = f.outcome == Outcome::holds ? "ok" : f.outcome == Outcome::broken ? "MISMATCH" : "note";
    if (as_json) {
      json::object o;
      o["result"] = word;
      o["subject"] = f.subject;
      o["detail"] = f.detail;
      std::cout << to_json_text(o) << "\n";
    } else {
      std::cout << (f.outcome == Outcome::broken ? "MISMATCH " : f.outcome == Outcome::note ? "note     " : "ok       ")
                << f.subject << ": " << f.detail << "\n";
    }
  }
}

// The journal copy an export put beside the bundle (<ID>-journal/): its
// bytes hash to what the bundle's own custody log recorded at the export,
// and its hash chain holds. Exports made before journals were included
// have none: nothing to say then.
void check_journal_copy(const std::filesystem::path& evidence, VerifyReport& report) {
  std::string name = evidence.filename().string();
  if (!name.ends_with("-evidence")) return;
  auto copy = evidence.parent_path() / (name.substr(0, name.size() - 9) + "-journal");
  std::error_code ec;
  if (!std::filesystem::exists(copy / "journal.jsonl", ec)) return;
  auto bytes = read_journal_file(copy / "journal.jsonl");
  if (!bytes) {
    report.findings.push_back({Outcome::broken, "journal copy", bytes.error().message});
    return;
  }
  std::string sha = sha256_hex(*bytes);
  std::string recorded;
  if (auto lines = read_custody_lines(evidence); lines)
    for (auto& line : *lines) {
      json::value parsed;
      try {
        parsed = parse_json(line);
      } catch (const std::exception&) {
        continue;  // custody's own check names a bad line
      }
      if (!parsed.is_object()) continue;
      auto* journal = parsed.as_object().if_contains("journal");
      if (journal && journal->is_object())
        if (auto* s = journal->as_object().if_contains("sha256"); s && s->is_string()) recorded = std::string(s->as_string());
    }
  auto chain = verify_journal_bytes(*bytes);
  if (recorded.empty())
    report.findings.push_back({Outcome::broken, "journal copy", "the bundle's custody log names no exported journal"});
  else if (recorded != sha)
    report.findings.push_back({Outcome::broken, "journal copy",
                               "SHA-256 " + sha + " is not the " + recorded + " the custody log recorded at the export"});
  else if (chain.breaks)
    report.findings.push_back({Outcome::broken, "journal copy", "its hash chain breaks: " + chain.first_break});
  else
    report.findings.push_back({Outcome::holds, "journal copy",
                               std::to_string(chain.records) + " records, head " + chain.head_witness().text() +
                                   ", the bytes the custody log recorded at the export"});
}

int verify_command(const Environment& env, const EvidenceArgs& args) {
  VerifyOptions options;
  options.expected_fingerprint = args.fingerprint;
  options.tsa_ca_file = args.tsa_ca;
  std::filesystem::path target = args.id;
  std::filesystem::path dir;
  std::filesystem::path unpacked;
  std::optional<UnverifiedOutput> mark;
  bool live = false;
  std::error_code ec;
  if (std::filesystem::is_regular_file(target, ec)) {
    // A tar bundle: unpack into a private directory, verify, remove.
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = (tmp && *tmp ? std::string(tmp) : std::string("/tmp")) + "/responder-verify-XXXXXX";
    std::vector<char> buffer(templ.begin(), templ.end());
    buffer.push_back('\0');
    if (!::mkdtemp(buffer.data())) return fail_with(failure("cannot make a temporary directory"));
    unpacked = buffer.data();
    if (Status s = extract_tar(target, unpacked); !s) {
      std::filesystem::remove_all(unpacked, ec);
      return fail_with(failure(s.error().message));
    }
    for (auto& entry : std::filesystem::directory_iterator(unpacked))
      if (entry.is_directory() && std::filesystem::exists(entry.path() / "manifest.json")) dir = entry.path();
    if (dir.empty()) {
      std::filesystem::remove_all(unpacked, ec);
      return fail_with(bad_input(target.string() + " holds no evidence bundle (no <ID>-evidence/manifest.json)"));
    }
    options.check_write_once = false;
  } else if (std::filesystem::exists(target / "manifest.json", ec) ||
             std::filesystem::exists(evidence_dir(target) / "manifest.json", ec)) {
    // An evidence directory (or an incident directory holding one).
    dir = std::filesystem::exists(target / "manifest.json") ? target : evidence_dir(target);
    options.check_write_once = args.write_once;
  } else {
    auto found = incident_evidence(env, args.id);
    if (!found) return fail_with(found.error());
    if (auto s = check_incident_journal(env, args.id, true, args.force, mark); !s) return fail_with(s.error());
    dir = *found;
    live = true;
    options.check_write_once = true;
  }

  VerifyReport report = verify_evidence(dir, options);
  if (!unpacked.empty()) check_journal_copy(dir, report);
  if (!unpacked.empty()) std::filesystem::remove_all(unpacked, ec);
  print_report(report, env.json);
  std::size_t broken = report.broken();
  std::string verdict = report.holds() ? "all checks hold" : std::to_string(broken) + " mismatch(es)";
  if (env.json) {
    json::object summary;
    summary["verdict"] = report.holds() ? "holds" : "broken";
    summary["mismatches"] = broken;
    std::cout << to_json_text(summary) << "\n";
  } else {
    std::cout << (report.holds() ? "VERIFIED: " : "NOT VERIFIED: ") << verdict << "\n";
  }
  if (live) {
    // The check itself is an act on the evidence.
    if (auto lock = EvidenceLock::acquire(dir); lock) {
      CustodyAct act;
      act.act = "verified";
      act.who = env.actor;
      act.why = "responder evidence verify";
      act.details["result"] = verdict;
      json::array mismatches;
      for (auto& f : report.findings)
        if (f.outcome == Outcome::broken && mismatches.size() < 20) mismatches.emplace_back(f.subject + ": " + f.detail);
      if (!mismatches.empty()) act.details["mismatches"] = std::move(mismatches);
      if (auto appended = append_custody(dir, act); !appended)
        std::cerr << "responder evidence: could not record the verification: " << appended.error().message << "\n";
    }
  }
  return report.holds() ? kExitSuccess : kExitStepFailed;
}

int export_command(const Environment& env, const EvidenceArgs& args) {
  auto dir = incident_evidence(env, args.id);
  if (!dir) return fail_with(dir.error());
  std::optional<UnverifiedOutput> mark;
  if (auto s = check_incident_journal(env, args.id, false, false, mark); !s) return fail_with(s.error());
  // The journal goes with the evidence: the approvals and decisions behind
  // each item. Read once; what is checked is what is exported.
  std::optional<JournalCopy> journal;
  if (auto file = incident_journal_file(env, args.id); file) {
    auto bytes = read_journal_file(*file);
    if (!bytes) return fail_with(bytes.error());
    // A torn last line (a crash mid-write) is not part of the journal.
    std::size_t complete = bytes->rfind('\n') == std::string::npos ? 0 : bytes->rfind('\n') + 1;
    bool torn = complete < bytes->size();
    bytes->erase(complete);
    auto chain = verify_journal_bytes(*bytes);
    if (chain.breaks)
      return fail_with(refusal("the journal of incident " + args.id + " failed verification: " + chain.first_break));
    struct stat st {};
    std::int64_t mtime = ::stat(file->c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_mtim.tv_sec) : 0;
    journal = JournalCopy{std::move(*bytes), chain.intact, chain.records, chain.head_witness().text(), chain.problems, mtime, torn};
  }
  auto outcome = export_evidence(*dir, args.id, args.out, env.actor, args.why, journal);
  if (!outcome) return fail_with(outcome.error());
  if (env.json) {
    json::object o;
    o["archive"] = outcome->archive.string();
    o["sha256"] = outcome->sha256;
    o["files"] = outcome->files;
    std::cout << to_json_text(o) << "\n";
  } else {
    std::cout << "exported " << outcome->files << " files to " << outcome->archive.string() << "\nSHA-256 "
              << outcome->sha256 << " (also in " << outcome->archive.string() << ".sha256)\n"
              << "check without responder: tar -xf " << outcome->archive.filename().string() << " && (cd " << args.id
              << "-evidence && sha256sum -c manifest.sha256)" << (journal ? " && (cd " + args.id + "-journal && sha256sum -c journal.sha256)" : "")
              << "\n";
    if (journal)
      std::cout << "with the incident's journal (" << journal->records << " records, head " << journal->head
                << ", hash chain intact" << (journal->torn_tail_left_out ? ", a torn last line left out" : "") << ") in " << args.id << "-journal/\n";
  }
  return kExitSuccess;
}

int custody_command(const Environment& env, const EvidenceArgs& args) {
  auto dir = incident_evidence(env, args.id);
  if (!dir) return fail_with(dir.error());
  std::optional<UnverifiedOutput> mark;
  if (auto s = check_incident_journal(env, args.id, args.add.empty(), args.force, mark); !s) return fail_with(s.error());
  if (!args.add.empty()) {
    if (args.as.empty()) return fail_with(bad_input("--add needs --as NAME: who takes or hands over the evidence"));
    auto lock = EvidenceLock::acquire(*dir);
    if (!lock) return fail_with(lock.error());
    CustodyAct act;
    act.act = "transferred";
    act.who = args.as;
    act.why = args.add;
    act.details["recorded_by"] = env.actor;
    auto appended = append_custody(*dir, act);
    if (!appended) return fail_with(appended.error());
    std::cout << (env.json ? to_json_text(appended->entry) : "recorded custody entry " + field(appended->entry, "seq") +
                                                                 ": " + args.add + " (" + args.as + ")")
              << "\n";
    return kExitSuccess;
  }
  auto lines = read_custody_lines(*dir);
  if (!lines) return fail_with(lines.error());
  for (auto& line : *lines) {
    if (env.json) {
      std::cout << line << "\n";
      continue;
    }
    try {
      auto entry = parse_json(line).as_object();
      std::cout << field(entry, "seq") << "  " << field(entry, "time") << "  " << field(entry, "act") << "  "
                << field(entry, "who") << " @ " << field(entry, "where") << ": " << field(entry, "why") << "\n";
    } catch (const std::exception&) {
      std::cout << "?  (unreadable line) " << line << "\n";
    }
  }
  auto problems = custody_chain_problems(*lines);
  for (auto& p : problems) std::cerr << "MISMATCH " << p << "\n";
  return problems.empty() ? kExitSuccess : kExitStepFailed;
}

void setup(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<EvidenceArgs>();
  command.require_subcommand(1);
  auto* list = command.add_subcommand("list", "items of an incident's evidence: sizes, hashes, times");
  list->add_option("ID", args->id, "incident ID")->required();
  list->add_flag("--force", args->force, "list even when the incident's journal fails verification; every line says so");
  list->footer("Example:\n  responder evidence list INC-42");
  auto* verify = command.add_subcommand(
      "verify", "check signature, Merkle root, every item hash, custody chain, write-once attributes; "
                "exit 0 only if all holds");
  verify->add_option("TARGET", args->id, "incident ID, evidence directory, or exported BUNDLE.tar")->required();
  verify->add_option("--fingerprint", args->fingerprint,
                     "SHA-256 fingerprint of the sealing public key, as printed at sealing and kept apart")
      ->type_name("SHA256");
  verify->add_option("--tsa-ca", args->tsa_ca, "PEM certificates of the trusted time-stamping authority");
  verify->add_flag("--write-once", args->write_once, "also check write-once attributes of a DIR");
  verify->add_flag("--force", args->force, "verify even when the incident's journal fails verification; every line says so");
  verify->footer("Examples:\n  responder evidence verify INC-42 --fingerprint 9f2c...   (the fingerprint printed at sealing)\n"
                 "  responder evidence verify INC-42.tar --fingerprint 9f2c... (a bundle legal staff received)");
  auto* exp = command.add_subcommand("export", "write a sealed bundle to a tar file for legal staff");
  exp->add_option("ID", args->id, "incident ID")->required();
  exp->add_option("--out", args->out, "the tar file to create")->required()->type_name("FILE.tar");
  exp->add_option("--why", args->why, "reason recorded in the custody log")->type_name("REASON");
  exp->footer("Example:\n  responder evidence export INC-42 --out INC-42.tar --why \"for the prosecutor\"");
  auto* custody = command.add_subcommand("custody", "print the chain of custody, or record a transfer");
  custody->add_option("ID", args->id, "incident ID")->required();
  custody->add_option("--add", args->add, "the transfer, e.g. \"handed to Det. Smith, case 2026-114\"")->type_name("TRANSFER");
  custody->add_option("--as", args->as, "who takes or hands over the evidence")->type_name("NAME");
  custody->footer("Examples:\n  responder evidence custody INC-42\n"
                  "  responder evidence custody INC-42 --add \"handed to Det. Smith, case 2026-114\" --as \"J. Doe\"");
  custody->add_flag("--force", args->force, "print the custody log even when the incident's journal fails verification");

  command.footer("Examples:\n  responder evidence verify INC-42 --fingerprint 9f2c...\n"
                 "  responder evidence export INC-42 --out INC-42.tar --why \"for the prosecutor\"");
  action = [&globals, args, list, verify, exp, custody]() -> int {
    auto env = open_environment(globals);
    if (!env) return report_error(env.error());
    if (list->parsed()) return list_command(*env, *args);
    if (verify->parsed()) return verify_command(*env, *args);
    if (exp->parsed()) return export_command(*env, *args);
    if (custody->parsed()) return custody_command(*env, *args);
    return kExitBadInput;
  };
}

const CommandRegistration registration{
    {"evidence", "for legal and forensics staff: list, verify, export an evidence bundle; record custody", 70, setup}};

}  // namespace
}  // namespace responder::evidence
