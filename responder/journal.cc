#include "responder/journal.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "responder/clock.h"
#include "responder/journal_format.h"
#include "responder/sha256.h"

namespace responder {

namespace {

JournalRecord journal_record(chained_log::Record&& record) {
  JournalRecord out;
  out.seq = record.seq;
  out.kind = record.text("kind");
  out.actor = record.text("actor");
  out.time = record.text("time");
  out.line = record.line;
  out.hash = std::move(record.hash);
  out.fields = std::move(record.fields);
  return out;
}

}  // namespace

std::string JournalRecord::text(std::string_view key) const {
  if (auto* v = fields.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return "";
}

Result<std::string> read_journal_file(const std::filesystem::path& file) {
  return chained_log::default_file_system().read_file(file);
}

Result<JournalContents> read_journal(const std::filesystem::path& file) {
  auto bytes = read_journal_file(file);
  if (!bytes) return bytes.error();
  return read_journal_bytes(*bytes, file.string());
}

Result<JournalContents> read_journal_bytes(std::string_view bytes, const std::string& origin) {
  auto parsed = chained_log::parse(bytes, origin);
  if (!parsed) return parsed.error();
  JournalContents contents;
  contents.records.reserve(parsed->records.size());
  for (auto& record : parsed->records) contents.records.push_back(journal_record(std::move(record)));
  if (parsed->torn_tail) contents.torn_tail = {{parsed->torn_tail->offset, parsed->torn_tail->size}};
  return contents;
}

Result<JournalContents> read_verified_journal(const std::filesystem::path& file,
                                              const std::vector<JournalWitness>& witnesses) {
  auto bytes = read_journal_file(file);
  if (!bytes) return bytes.error();
  auto chain = verify_journal_bytes(*bytes, witnesses);
  if (chain.breaks) return refusal(chain.first_break);
  return read_journal_bytes(*bytes, file.string());
}

ChainReport verify_journal(const std::filesystem::path& file, const std::vector<JournalWitness>& witnesses) {
  auto bytes = read_journal_file(file);
  if (!bytes) {
    ChainReport report;
    report.intact = false;
    report.breaks = 1;
    report.first_break = bytes.error().message;
    report.problems.push_back(bytes.error().message);
    return report;
  }
  return verify_journal_bytes(*bytes, witnesses);
}

ChainReport verify_journal_bytes(std::string_view bytes, const std::vector<JournalWitness>& witnesses) {
  return chained_log::verify(bytes, witnesses);
}

Result<JournalWriter> JournalWriter::open(const std::filesystem::path& incident_dir, bool create) {
  auto file = incident_dir / kJournalFileName;
  if (!create) {
    auto log = chained_log::Writer::open(file, chained_log::OpenMode::existing, 0);
    if (!log) {
      Error error = log.error();
      if (error.kind == ErrorKind::bad_input)
        error.message = "no incident at " + incident_dir.string() + " (no " + kJournalFileName + ")";
      else if (error.kind == ErrorKind::refused)
        error.message += "; only root writes the journal: use sudo (README: \"Sharing an incident home with approvers\")";
      return error;
    }
    return JournalWriter(std::move(*log));
  }
  std::error_code ec;
  if (std::filesystem::exists(incident_dir, ec)) {
    // A run that died (a power cut) before its first record was durable
    // leaves a journal with no complete record: nothing was done, so the
    // incident may start again (the torn bytes are kept aside on open).
    auto bytes = chained_log::default_file_system().read_file(file);
    if (bytes && bytes->find('\n') == std::string::npos) {
      auto log = chained_log::Writer::open(file, chained_log::OpenMode::existing, 0);
      if (!log) return log.error();
      return JournalWriter(std::move(*log));
    }
    return bad_input("incident directory " + incident_dir.string() + " already exists; use `responder resume` to continue it");
  }
  auto home = incident_dir.parent_path().empty() ? std::filesystem::path(".") : incident_dir.parent_path();
  std::filesystem::create_directories(home, ec);
  // A set-group-ID home is shared on purpose with a group of approvers:
  // they may read the incident, never write it. The chain is a plain hash
  // that anyone who can write the file can recompute, so approvals reach
  // the journal only through root (`sudo responder approve`, which a
  // sudoers rule can grant alone).
  struct stat home_stat{};
  bool shared = ::stat(home.c_str(), &home_stat) == 0 && (home_stat.st_mode & S_ISGID);
  mode_t dir_mode = shared ? 02750 : 0750, file_mode = 0640;
  if (::mkdir(incident_dir.c_str(), dir_mode) != 0) {
    std::string why = "cannot create " + incident_dir.string() + ": " + std::strerror(errno);
    if (errno == EACCES || errno == EPERM) return refusal(why + "; run as root or choose a home you may write (--home DIR)");
    return failure(why);
  }
  if (::chmod(incident_dir.c_str(), dir_mode) != 0)
    return failure("cannot set the mode of " + incident_dir.string() + ": " + std::strerror(errno));
  auto log = chained_log::Writer::open(file, chained_log::OpenMode::create_new, file_mode);
  if (!log) return log.error();
  // The incident directory's own entry in the home, as the log synced its own.
  if (auto s = chained_log::default_file_system().sync_directory(home); !s) return s.error();
  return JournalWriter(std::move(*log), true);
}

Result<JournalRecord> JournalWriter::append(std::string_view kind, std::string_view actor, json::object payload) {
  chained_log::Entry entry;
  entry.header["time"] = now_rfc3339();
  entry.header["actor"] = actor;
  entry.header["kind"] = kind;
  entry.payload = std::move(payload);
  auto record = log_.append(std::move(entry));
  if (!record) return record.error();
  return journal_record(std::move(*record));
}

Result<std::vector<JournalRecord>> JournalWriter::append_together(std::string_view actor, std::vector<JournalEntry> entries) {
  std::vector<chained_log::Entry> batch;
  batch.reserve(entries.size());
  std::string time = now_rfc3339();
  for (auto& e : entries) {
    chained_log::Entry entry;
    entry.header["time"] = e.time.empty() ? time : e.time;
    entry.header["actor"] = actor;
    entry.header["kind"] = e.kind;
    entry.payload = std::move(e.payload);
    batch.push_back(std::move(entry));
  }
  std::vector<JournalRecord> out;
  if (batch.empty()) return out;
  auto records = log_.append(std::move(batch));
  if (!records) return records.error();
  for (auto& r : *records) out.push_back(journal_record(std::move(r)));
  return out;
}

std::string incident_instance(const std::filesystem::path& journal_file) {
  std::ifstream in(journal_file, std::ios::binary);
  std::string first;
  if (!in || !std::getline(in, first) || first.empty() || first.size() > (1u << 20)) return "";
  return sha256_hex(first);
}

}  // namespace responder
