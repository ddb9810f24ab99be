// The chain of custody: `evidence/custody.jsonl`, one act per line.
//
// Each line is a compact JSON object:
//   {"seq":N, "time":"<UTC ns>", "act":"collected|sealed|verified|exported|transferred",
//    "who":"<person>", "where":"<host name>", "why":"<reason>", ...details...,
//    "prev":"<hex SHA-256 of the previous line's bytes, without its newline;
//             64 zeros for the first>"}
// So removing, reordering or editing any line breaks the chain at the next
// line, and the seal (evidence_sealer.h) signs every line up to it. The file
// carries FS_APPEND_FL from its creation: it can only ever grow.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder {

struct CustodyAct {
  std::string act;       // collected, sealed, verified, exported, transferred
  std::string who;       // the person responsible for the act
  std::string why;       // in words
  json::object details;  // act-specific: item, tar path, result, recorded_by
};

struct CustodyAppend {
  json::object entry;
  // Empty when custody.jsonl is append-only; otherwise why it is not.
  std::string write_once_problem;
};

// Appends one act; the caller holds the EvidenceLock. Creates the file (and
// sets the append-only attribute) on first use. The line is written with a
// single write(2) and fsync'd before this returns.
Result<CustodyAppend> append_custody(const std::filesystem::path& evidence_directory, const CustodyAct& act);
// Appends several acts, chained in order, with one write(2) and one fsync:
// all of them or, on failure, none that the chain would accept as whole.
Result<std::vector<CustodyAppend>> append_custody(const std::filesystem::path& evidence_directory,
                                                  const std::vector<CustodyAct>& acts);

// The lines of custody.jsonl, without newlines (empty when the file is absent).
Result<std::vector<std::string>> read_custody_lines(const std::filesystem::path& evidence_directory);

// Every break in the chain, in words naming the line ("custody line 3: ...");
// empty when the chain holds.
std::vector<std::string> custody_chain_problems(const std::vector<std::string>& lines);

inline const std::string kZeroHash(64, '0');

}  // namespace responder
