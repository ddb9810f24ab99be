// Reading and verifying a chained log (format.h) from bytes already in
// memory, so a caller checks and then uses the very same bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder::chained_log {

struct Record {
  json::object fields;       // the whole record, header keys included
  std::uint64_t seq = 0;     // `seq` when it is an integer, else 0
  std::size_t line = 0;      // 1-based line number
  std::uint64_t offset = 0;  // byte offset of the line
  std::string hash;          // hex SHA-256 of the line: what the next record's `prev` holds

  std::string text(std::string_view key) const;  // a string field or ""
};

// A last line without its '\n' (a write torn by a crash). It is not a record.
struct TornTail {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

struct Contents {
  std::vector<Record> records;
  std::optional<TornTail> torn_tail;
};

// What the reader found wrong, line by line (LevelDB's log::Reader::Reporter).
struct Problem {
  std::size_t line = 0;
  bool is_break = true;  // false only for a torn last line
  std::string text;      // names the record and what is wrong with it
};
using Reporter = std::function<void(const Problem&)>;

// Every complete line as a record. A line that is not a JSON object is a
// failure naming `origin` and the line; links are not checked (verify does).
Result<Contents> parse(std::string_view bytes, const std::string& origin);

// Parses one line; `line` numbers it in the failure.
Result<Record> parse_line(std::string_view text, std::size_t line);

// "SEQ:SHA256" of a record, kept outside the log.
struct Witness {
  std::uint64_t seq = 0;
  std::string sha256;
  std::string text() const { return std::to_string(seq) + ":" + sha256; }
};
// Parses "SEQ:SHA256" (hex in either case); a bad_input naming `option`.
Result<Witness> parse_witness(std::string_view text, std::string_view option = "--witness");

struct ChainReport {
  bool intact = true;  // no break, no torn tail, every witness held
  std::uint64_t records = 0;
  std::string head;  // SHA-256 of the last complete line (kZeroHash when none)
  std::vector<std::string> problems;  // the first break first, each naming the record
  // Problems other than a torn last line: a torn line is what a crash leaves
  // and the next writer moves aside, so commands may act on such a log.
  std::size_t breaks = 0;
  std::string first_break;
  Witness head_witness() const { return {records, head}; }
};

// Checks seq continuity, every prev link and each witnessed record; reports
// every problem to `reporter` as well, in order. `subject` starts each
// problem's text when not empty ("custody.jsonl" -> "custody.jsonl record 3
// (line 3): ...").
ChainReport verify(std::string_view bytes, const std::vector<Witness>& witnesses = {}, std::string_view subject = "",
                   const Reporter& reporter = {});

}  // namespace responder::chained_log
