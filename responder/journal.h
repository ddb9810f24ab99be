// The append-only, hash-chained, fsync'd incident journal (see
// journal_format.h): the single source of truth for status, resume, undo and
// reports.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "responder/chained_log/writer.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder {

struct JournalRecord {
  std::uint64_t seq = 0;
  std::string kind;
  std::string actor;
  std::string time;
  json::object fields;  // the whole record, header keys included
  std::size_t line = 0;  // 1-based line number in the file
  std::string hash;      // hex SHA-256 of the line's bytes: what the next record's `prev` holds

  std::string text(std::string_view key) const;  // a string field or ""
};

struct JournalContents {
  std::vector<JournalRecord> records;
  // A last line without its '\n' (a write torn by a crash): its byte offset
  // and length. It is not a record.
  std::optional<std::pair<std::uint64_t, std::uint64_t>> torn_tail;
};

// Reads every complete record. Lines that are not JSON objects are a
// failure naming the line; chain links are not checked (see verify_journal).
Result<JournalContents> read_journal(const std::filesystem::path& file);
// The journal file's bytes as they are now, for checking and reading the
// same bytes (no second read, no window between verifying and using).
Result<std::string> read_journal_file(const std::filesystem::path& file);
// The same over bytes already in memory; `origin` names them in failures.
Result<JournalContents> read_journal_bytes(std::string_view bytes, const std::string& origin);

// A copy of one record's hash kept outside the journal (printed by `run` and
// `status`, sent with notifications): "SEQ:SHA256".
using JournalWitness = chained_log::Witness;
inline Result<JournalWitness> parse_witness(std::string_view text) { return chained_log::parse_witness(text); }

using ChainReport = chained_log::ChainReport;

// Checks seq continuity, every prev link and that the journal still holds
// each witnessed record unchanged. Never throws; an unreadable file is a
// break whose text says why.
ChainReport verify_journal(const std::filesystem::path& file, const std::vector<JournalWitness>& witnesses = {});
// The same over bytes already in memory.
ChainReport verify_journal_bytes(std::string_view bytes, const std::vector<JournalWitness>& witnesses = {});

// Reads the journal only when its chain holds and it still holds every
// witnessed record (e.g. the caller's own last append), from one read of
// the file; a break is a refusal whose message is the first break.
Result<JournalContents> read_verified_journal(const std::filesystem::path& file,
                                              const std::vector<JournalWitness>& witnesses);

// One record to append with JournalWriter::append_together.
struct JournalEntry {
  JournalEntry(std::string kind_, json::object payload_, std::string time_ = {})
      : kind(std::move(kind_)), payload(std::move(payload_)), time(std::move(time_)) {}
  std::string kind;
  json::object payload;
  std::string time;  // when it happened (RFC 3339, UTC); empty: when it is written
};

// Appends records to one incident's journal (a chained log whose header keys
// are time, actor and kind). Safe against other processes appending at the
// same time (e.g. `responder approve` while a run waits).
class JournalWriter {
 public:
  // Opens the journal of `incident_dir`; with `create`, the directory and
  // file must not exist yet and are created (fsyncing the parent directory),
  // unless a run died before its first record was durable: then that
  // incident's journal, holding no complete record, is taken over (the
  // caller checks under its incident lock that head() is still record 0).
  static Result<JournalWriter> open(const std::filesystem::path& incident_dir, bool create);

  // Whether open() created the incident directory (rather than taking over
  // one a dead run left without a record).
  bool created_incident() const { return created_incident_; }

  // Appends one record with the header keys filled in; returns it once it is
  // on stable storage. A payload key that is a header key is refused.
  Result<JournalRecord> append(std::string_view kind, std::string_view actor, json::object payload);
  // Appends records that became ready together (many hosts answering) with
  // one write and one sync: all of them are durable on return, or none
  // counts. Each must be durable before the action it announces, so a
  // caller batches only records whose actions have not begun.
  Result<std::vector<JournalRecord>> append_together(std::string_view actor, std::vector<JournalEntry> entries);

  const std::filesystem::path& file() const { return log_.file(); }

  // The last record now (other writers' records included), as a witness.
  Result<JournalWitness> head() { return log_.head(); }
  // The last record this writer appended itself, if any.
  std::optional<JournalWitness> last_appended() const { return log_.last_appended(); }

 private:
  explicit JournalWriter(chained_log::Writer log, bool created = false)
      : log_(std::move(log)), created_incident_(created) {}
  chained_log::Writer log_;
  bool created_incident_ = false;
};

// What tells this incident from any other of the same id (another home,
// another controller, one removed and begun again): the SHA-256 (hex) of
// its journal's first record, which holds the time it began; "" when the
// journal cannot be read.
std::string incident_instance(const std::filesystem::path& journal_file);

}  // namespace responder
