#include "forensics/evidence/evidence_export.h"

#include <sys/stat.h>
#include <time.h>

#include <algorithm>
#include <vector>

#include "forensics/evidence/custody_log.h"
#include "responder/durable_file.h"
#include "responder/json.h"
#include "responder/sha256.h"
#include "forensics/evidence/evidence_lock.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/tar_writer.h"

namespace responder::evidence {

Result<ExportOutcome> export_evidence(const std::filesystem::path& dir, const std::string& incident_id,
                                      const std::filesystem::path& archive, const std::string& actor,
                                      const std::string& why, const std::optional<JournalCopy>& journal) {
  if (!std::filesystem::exists(dir / "manifest.json")) return bad_input("incident " + incident_id + " has no evidence");
  if (!evidence_sealed(dir))
    return refusal("the evidence of incident " + incident_id +
                   " is not sealed; seal it first (evidence.seal), so that the export can be proven unchanged");
  std::error_code ec;
  if (std::filesystem::exists(archive, ec)) return bad_input(archive.string() + " already exists; choose a new name");
  auto lock = EvidenceLock::acquire(dir);
  if (!lock) return lock.error();

  auto absolute = std::filesystem::absolute(archive, ec);
  CustodyAct act;
  act.act = "exported";
  act.who = actor;
  act.why = why.empty() ? "exported for legal and forensic examination" : why;
  act.details["to"] = absolute.string();
  act.details["format"] = "POSIX tar (pax), checked by sha256sum -c manifest.sha256 inside";
  std::string root = incident_id + "-evidence", journal_root = incident_id + "-journal";
  std::string verification, journal_sha;
  if (journal) {
    journal_sha = sha256_hex(journal->bytes);
    json::array problems;
    for (auto& p : journal->problems) problems.push_back(json::string(p));
    verification = to_json_text(json::object{{"incident", incident_id},
                                             {"checked", "the hash chain of every record (responder journal --verify)"},
                                             {"intact", journal->intact},
                                             {"records", journal->records},
                                             {"head", journal->head},
                                             {"journal_sha256", journal_sha},
                                             {"torn_last_line_left_out", journal->torn_tail_left_out},
                                             {"problems", problems}}) +
                   "\n";
    act.details["journal"] = json::object{{"path", journal_root + "/journal.jsonl"},
                                          {"sha256", journal_sha},
                                          {"records", journal->records},
                                          {"head", journal->head},
                                          {"intact", journal->intact}};
  }
  if (auto appended = append_custody(dir, act); !appended) return appended.error();

  // Every file, in a stable order, under one top-level directory.
  std::vector<std::filesystem::path> directories, files;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory()) directories.push_back(it->path());
    else if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return failure("cannot list " + dir.string() + ": " + ec.message());
  std::sort(directories.begin(), directories.end());
  std::sort(files.begin(), files.end());

  auto tar = TarWriter::create(archive);
  if (!tar) return tar.error();
  auto mtime_of = [](const std::filesystem::path& p) {
    struct stat st{};
    ::stat(p.c_str(), &st);
    return static_cast<std::int64_t>(st.st_mtim.tv_sec);
  };
  if (auto s = tar->add_directory(root, 0755, mtime_of(dir)); !s) return s.error();
  for (auto& d : directories)
    if (auto s = tar->add_directory(root + "/" + std::filesystem::relative(d, dir).string(), 0755, mtime_of(d)); !s)
      return s.error();
  ExportOutcome outcome;
  for (auto& f : files) {
    if (auto s = tar->add_file(root + "/" + std::filesystem::relative(f, dir).string(), f); !s) return s.error();
    ++outcome.files;
  }
  if (journal) {
    // Beside the bundle, not in it: the sealed manifest cannot list what
    // came after the seal; the custody record above names this copy.
    std::int64_t now = journal->mtime ? journal->mtime : static_cast<std::int64_t>(::time(nullptr));
    std::string sums = journal_sha + "  journal.jsonl\n" + sha256_hex(verification) + "  verification.json\n";
    if (auto s = tar->add_directory(journal_root, 0755, now); !s) return s.error();
    if (auto s = tar->add_bytes(journal_root + "/journal.jsonl", journal->bytes, 0444, now); !s) return s.error();
    if (auto s = tar->add_bytes(journal_root + "/verification.json", verification, 0444, now); !s) return s.error();
    if (auto s = tar->add_bytes(journal_root + "/journal.sha256", sums, 0444, now); !s) return s.error();
    outcome.files += 3;
  }
  if (auto s = tar->close(); !s) return s.error();
  outcome.archive = archive;
  outcome.sha256 = tar->sha256();
  auto sums = archive;
  sums += ".sha256";
  if (auto s = write_file_atomically(sums, outcome.sha256 + "  " + archive.filename().string() + "\n", 0444); !s)
    return s.error();
  return outcome;
}

}  // namespace responder::evidence
