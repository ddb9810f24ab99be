// Appending to a chained log (format.h states the format and what the
// writer guarantees): one writer per open log, safe beside writers in other
// processes.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "responder/chained_log/file_system.h"
#include "responder/chained_log/reader.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder::chained_log {

// One record to append: `header` keys go between seq and prev, in order;
// `payload` keys after prev. A payload key that is seq, prev or a header key
// is refused.
struct Entry {
  json::object header;
  json::object payload;
};

class Writer {
 public:
  // Opens `file`. A new file is created with `mode` and its directory fsync'd;
  // `created`, when given, tells whether this call made it. A torn last line
  // is moved aside (format.h) before this returns.
  static Result<Writer> open(const std::filesystem::path& file, OpenMode how, unsigned mode,
                             FileSystem& fs = default_file_system(), bool* created = nullptr);
  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) noexcept;
  ~Writer();

  // Appends the entries in order with one write and one sync, chained after
  // whatever is in the file now (other writers' records included); returns
  // them once they are on stable storage. On failure none of them counts:
  // the bytes of a failed write are cut back, and after a failed sync (or a
  // cut back that failed) every writer of this file in this process refuses
  // every later append.
  Result<std::vector<Record>> append(std::vector<Entry> entries);
  Result<Record> append(Entry entry);

  // The last record now, as a witness ({0, kZeroHash} for an empty log).
  Result<Witness> head();
  // The last record this writer appended itself, if any.
  std::optional<Witness> last_appended() const { return last_appended_; }

  const std::filesystem::path& file() const { return file_; }
  // The open descriptor, for attributes the log's owner sets.
  int descriptor() const;

 private:
  Writer() = default;
  // Reads what other writers appended since the last look; moves a torn
  // last line aside. Called with the lock held.
  Status catch_up();
  Status move_torn_tail_aside(std::uint64_t offset, std::string_view bytes);
  // fdatasync; a failure makes this log refuse every later append in this
  // process (poison).
  Status sync();
  void poison(const Error& error);

  std::unique_ptr<AppendFile> file_handle_;
  FileSystem* fs_ = nullptr;
  std::filesystem::path file_;
  std::uint64_t known_size_ = 0;
  std::uint64_t last_seq_ = 0;
  std::string last_hash_;
  std::optional<Witness> last_appended_;
  std::optional<Error> sync_failed_;
};

// For tests that play a second process inside one: forgets every failed sync.
void forget_failed_syncs_for_testing();

}  // namespace responder::chained_log
