// A chained-log file system that cuts the power or fails I/O on cue, for
// crash tests (LevelDB's fault_injection_test, SQLite's crash-test VFS).
//
// In `responder-test` it is installed from RESPONDER_FAULT=FILE:ACTION:N[:ARG],
// where FILE is a log's file name (journal.jsonl, custody.jsonl) and N counts
// that file's records written in this process, from 1 (records made durable
// together share one write and one sync: the fault is on that write or sync):
//   kill-after-sync:N     SIGKILL once the sync that makes record N durable has
//                         returned: the process dies before acting on it
//   power-cut:N:B         the append holding record N puts only its first B bytes ("all":
//                         every byte; "half": half of them) in the file, then
//                         the power goes: the
//                         process dies before syncing, so nothing after those
//                         B bytes ever reached the disk
//   write-error:N:ERRNO   the append holding record N writes half its bytes, then fails
//                         with ERRNO (EIO or ENOSPC), as a disk that fills up
//   sync-error:N:ERRNO    the sync that would make record N durable fails with ERRNO
//   count-syncs:1:PATH    no fault: after every sync, PATH holds how many
//                         syncs this process made of the file
// RESPONDER_KILL_AFTER_RECORD=N is journal.jsonl:kill-after-sync:N.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "responder/chained_log/file_system.h"

namespace responder::testing {

struct Fault {
  enum class Action { kill_after_sync, power_cut, write_error, sync_error, count_syncs };
  std::string file;  // file name the fault applies to
  Action action = Action::kill_after_sync;
  std::uint64_t nth = 0;
  std::optional<std::uint64_t> bytes;  // power_cut: bytes kept; none = all
  bool half = false;                   // power_cut: half of the append's bytes
  int error = 0;                       // write_error, sync_error: the errno
  std::string count_file;              // count_syncs: where the count is kept
};

// Parses the RESPONDER_FAULT syntax above; nullopt names no fault.
std::optional<Fault> parse_fault(const std::string& text);

// Wraps the real file system; the fault fires once. With `kill` false (in
// process tests) a power cut throws PowerCut instead of killing the process.
class FaultFileSystem final : public chained_log::FileSystem {
 public:
  struct PowerCut {};
  FaultFileSystem(Fault fault, bool kill = true);

  Result<std::unique_ptr<chained_log::AppendFile>> open_append(const std::filesystem::path& file,
                                                               chained_log::OpenMode how, unsigned mode,
                                                               bool* created) override;
  Result<std::string> read_file(const std::filesystem::path& file) override;
  Status write_new_file(const std::filesystem::path& file, std::string_view bytes, unsigned mode) override;
  Status sync_directory(const std::filesystem::path& directory) override;

  bool fired() const { return fired_; }

  // Called by the files it hands out.
  Status on_append(chained_log::AppendFile& real, std::string_view bytes);
  Status on_sync(chained_log::AppendFile& real);

 private:
  void die();
  Fault fault_;
  bool kill_;
  bool fired_ = false;
  std::uint64_t written_ = 0;  // records written to the watched file so far
  std::uint64_t synced_ = 0;   // syncs of it
};

// Installs the fault RESPONDER_FAULT (or RESPONDER_KILL_AFTER_RECORD) names,
// for the whole process; does nothing when neither is set.
void install_fault_from_environment();

}  // namespace responder::testing
