// The append-only, hash-chained, fsync'd incident journal (see
// journal_format.h): the single source of truth for status, resume, undo and
// reports.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
// `status`, sent with notifications): "SEQ:SHA256". A hash chain cannot show
// that its tail was cut or rewritten; a witness can.
struct JournalWitness {
  std::uint64_t seq = 0;
  std::string sha256;  // of the record's line, as the next record's `prev`
  std::string text() const { return std::to_string(seq) + ":" + sha256; }
};
Result<JournalWitness> parse_witness(std::string_view text);

struct ChainReport {
  bool intact = true;  // no break, no torn tail, every witness held
  std::uint64_t records = 0;
  std::string head;  // SHA-256 of the last line: note it elsewhere to pin the end
  std::vector<std::string> problems;  // the first break first, each naming the record
  // Problems other than a torn last line. A torn line is what a crash leaves
  // and the next writer moves aside; commands may act on such a journal.
  std::size_t breaks = 0;
  std::string first_break;  // problems' first entry that is a break
  JournalWitness head_witness() const { return {records, head}; }
};

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

// Appends records to one incident's journal. Safe against other processes
// appending at the same time (e.g. `responder approve` while a run waits).
class JournalWriter {
 public:
  // Opens the journal of `incident_dir`; with `create`, the directory and
  // file must not exist yet and are created (fsyncing the parent directory).
  static Result<JournalWriter> open(const std::filesystem::path& incident_dir, bool create);
  JournalWriter(JournalWriter&&) noexcept;
  JournalWriter& operator=(JournalWriter&&) noexcept;
  ~JournalWriter();

  // Appends one record with the header keys filled in; returns it once it is
  // on stable storage.
  Result<JournalRecord> append(std::string_view kind, std::string_view actor, json::object payload);

  const std::filesystem::path& file() const { return file_; }

  // The last record now (other writers' records included), as a witness.
  Result<JournalWitness> head();
  // The last record this writer appended itself, if any.
  std::optional<JournalWitness> last_appended() const { return last_appended_; }

  // For fault-injection tests only: called after each record is durable.
  static void set_after_append_hook(std::function<void(const JournalRecord&)> hook);

 private:
  JournalWriter() = default;
  Status catch_up();  // re-reads what other writers appended since our last look
  int fd_ = -1;
  std::filesystem::path file_;
  std::uint64_t known_size_ = 0;
  std::uint64_t last_seq_ = 0;
  std::string last_hash_;
  std::optional<JournalWitness> last_appended_;
};

std::string sha256_hex(std::string_view bytes);

}  // namespace responder
