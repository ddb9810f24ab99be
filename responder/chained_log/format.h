// The chained log: the one file format under the incident journal
// (journal.jsonl), the evidence chain of custody (custody.jsonl) and every
// later append-only record (a notification outbox, per-host records).
//
// FORMAT
//   A log is a sequence of lines. Each line is one compact JSON object and
//   ends in '\n'. Its keys come in this order:
//
//     seq      1, 2, 3, ... (no gaps)
//     <header> the log's own header keys, in the order its writer gives them
//              (journal: time, actor, kind; custody: time, act, who, where, why)
//     prev     hex SHA-256 of the previous line's bytes without its '\n';
//              64 zeros (kZeroHash) for the first line
//     <payload> the record's own keys
//
//   A payload key that names a header key, `seq` or `prev` is refused by the
//   writer (an error, never silently dropped).
//
// GUARANTEES OF THE WRITER (writer.h)
//   - Records reach the file in one write(2) of whole lines, under an
//     exclusive flock(2) on the log file, so writers in several processes
//     (a waiting run and `responder approve`) never interleave.
//   - append() returns only once fdatasync(2) has put the records on stable
//     storage: callers act on what a record announces only after that.
//   - A file the writer creates is created exclusively with its mode set
//     whatever the umask, and its directory is fsync'd.
//   - A failed or short write is cut back so no partial line stays behind.
//     A failed fdatasync leaves the file's state on disk unknown (the kernel
//     may have dropped the pages): that writer refuses every later append,
//     and the next process to open the log starts again from what is there.
//   - A crash (process or power) can leave at most one torn last line, with
//     no '\n'. open() and every append first copy a torn line's bytes to
//     <stem>.torn.<offset> beside the log (created exclusively, written with
//     checked writes, fsync'd, directory fsync'd), then cut it off, so the
//     next record starts on a line of its own and nothing is lost. A log
//     that is append-only (FS_APPEND_FL) is opened up for that cut alone.
//
// GUARANTEES OF THE READER (reader.h)
//   - Every complete line is either a record or reported as a problem that
//     names its line; a torn last line is reported apart (a crash leaves it,
//     tampering does not look like it) and is never a record.
//   - verify() checks seq continuity, every prev link, and that the log still
//     holds each witnessed record unchanged. A chain is a plain hash: whoever
//     can write the file can recompute it. A witness, "SEQ:SHA256" of a
//     record kept somewhere else, shows what the chain alone cannot: that the
//     tail was cut or rewritten.
//
// Everything that touches the disk goes through FileSystem (file_system.h),
// the seam that crash tests replace to cut the power or fail a write.
#pragma once

#include <string_view>

namespace responder::chained_log {

inline constexpr std::string_view kZeroHash = "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace responder::chained_log
