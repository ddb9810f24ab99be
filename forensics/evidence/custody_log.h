// The chain of custody: `evidence/custody.jsonl`, one act per line, a
// chained log (responder/chained_log/format.h) whose header keys are
//   "time":"<UTC ns>", "act":"collected|sealed|verified|exported|transferred",
//   "who":"<person>", "where":"<host name>", "why":"<reason>"
// and whose payload is the act's details. Lines written before the chained
// log was shared had the details before "prev"; readers never depend on
// the order of keys.
// Removing, reordering or editing any line breaks the chain at the next
// line, and the seal (evidence_sealer.h) signs every line up to it. The file
// carries FS_APPEND_FL from its creation: it can only ever grow (a torn last
// line left by a crash is the one thing cut, after its bytes are kept).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder::evidence {

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

// The complete lines of custody.jsonl, without newlines (empty when the file
// is absent). A torn last line, which a crash leaves, is not one of them.
Result<std::vector<std::string>> read_custody_lines(const std::filesystem::path& evidence_directory);

// Every break in the chain, in words naming the record ("custody.jsonl
// record 3 (line 3): ..."); empty when the chain holds.
std::vector<std::string> custody_chain_problems(const std::vector<std::string>& lines);

// The hex SHA-256 of the last line, 64 zeros when there is none: what the
// seal signs as the custody head.
std::string custody_head(const std::vector<std::string>& lines);

}  // namespace responder::evidence
