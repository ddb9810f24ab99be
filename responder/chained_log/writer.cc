#include "responder/chained_log/writer.h"

#include <map>
#include <mutex>

#include "responder/chained_log/format.h"
#include "responder/sha256.h"

namespace responder::chained_log {
namespace {

std::filesystem::path directory_of(const std::filesystem::path& file) {
  return file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
}

struct Unlock {
  AppendFile* file;
  ~Unlock() { file->unlock(); }
};

// Logs whose sync failed in this process, with why. A writer opened later on
// the same file (the custody log opens one per batch) refuses too: after a
// failed fdatasync the kernel may have dropped the pages and reports the
// error once, so a later sync that succeeds proves nothing.
struct FailedSyncs {
  std::mutex mutex;
  std::map<std::string, Error> files;
};
FailedSyncs& failed_syncs() {
  static FailedSyncs failed;
  return failed;
}

std::string key_of(const std::filesystem::path& file) {
  std::error_code ec;
  auto canonical = std::filesystem::weakly_canonical(file, ec);
  return ec ? file.string() : canonical.string();
}

}  // namespace

Result<Writer> Writer::open(const std::filesystem::path& file, OpenMode how, unsigned mode, FileSystem& fs,
                            bool* created) {
  Writer writer;
  writer.fs_ = &fs;
  writer.file_ = file;
  writer.last_hash_ = std::string(kZeroHash);
  bool made = false;
  auto handle = fs.open_append(file, how, mode, &made);
  if (!handle) return handle.error();
  writer.file_handle_ = std::move(*handle);
  if (created) *created = made;
  {
    auto& failed = failed_syncs();
    std::lock_guard lock(failed.mutex);
    if (auto f = failed.files.find(key_of(file)); f != failed.files.end()) writer.sync_failed_ = f->second;
  }
  if (made) {
    if (auto s = fs.sync_directory(directory_of(file)); !s) return s.error();
    return writer;
  }
  if (auto s = writer.file_handle_->lock(); !s) return s.error();
  Unlock unlock{writer.file_handle_.get()};
  if (auto s = writer.catch_up(); !s) return s.error();
  return writer;
}

Writer::Writer(Writer&& other) noexcept { *this = std::move(other); }

Writer& Writer::operator=(Writer&& other) noexcept {
  if (this != &other) {
    file_handle_ = std::move(other.file_handle_);
    fs_ = other.fs_;
    file_ = std::move(other.file_);
    known_size_ = other.known_size_;
    last_seq_ = other.last_seq_;
    last_hash_ = std::move(other.last_hash_);
    last_appended_ = std::move(other.last_appended_);
    sync_failed_ = std::move(other.sync_failed_);
  }
  return *this;
}

Writer::~Writer() = default;

int Writer::descriptor() const { return file_handle_ ? file_handle_->descriptor() : -1; }

Status Writer::catch_up() {
  auto size = file_handle_->size();
  if (!size) return size.error();
  if (*size == known_size_) return {};
  // Records are only ever appended: a shorter file was cut, and appending
  // after it would chain onto a record that is gone.
  if (*size < known_size_)
    return refusal(file_.string() + " is shorter than when this process last read it: records were removed");
  auto data = file_handle_->read_from(known_size_);
  if (!data) return data.error();
  std::string_view bytes = *data;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    auto end = bytes.find('\n', pos);
    if (end == std::string_view::npos) {
      std::uint64_t offset = known_size_ + pos;
      if (auto s = move_torn_tail_aside(offset, bytes.substr(pos)); !s) return s;
      *size = offset;
      break;
    }
    auto record = parse_line(bytes.substr(pos, end - pos), 0);
    if (!record)
      return failure(file_.string() + ": the line at byte " + std::to_string(known_size_ + pos) +
                     " is not a JSON record: the log was changed or damaged, and nothing is appended to it "
                     "(verifying it names the first bad record)");
    last_seq_ = record->seq;
    last_hash_ = std::move(record->hash);
    pos = end + 1;
  }
  known_size_ = *size;
  return {};
}

void forget_failed_syncs_for_testing() {
  auto& failed = failed_syncs();
  std::lock_guard lock(failed.mutex);
  failed.files.clear();
}

Status Writer::sync() {
  Status synced = file_handle_->sync();
  if (!synced) poison(synced.error());
  return synced;
}

void Writer::poison(const Error& error) {
  sync_failed_ = error;
  auto& failed = failed_syncs();
  std::lock_guard lock(failed.mutex);
  failed.files.emplace(key_of(file_), error);
}

Status Writer::move_torn_tail_aside(std::uint64_t offset, std::string_view bytes) {
  // The copy is made durable before the cut: a crash between the two leaves
  // both, and the next writer finds an identical copy and cuts again.
  auto base = directory_of(file_) / (file_.stem().string() + ".torn." + std::to_string(offset));
  bool kept = false;
  for (int attempt = 0; attempt < 100 && !kept; ++attempt) {
    auto copy = attempt == 0 ? base : std::filesystem::path(base.string() + "." + std::to_string(attempt));
    std::error_code ec;
    if (std::filesystem::exists(copy, ec)) {
      if (std::filesystem::file_size(copy, ec) == bytes.size() && !ec) {
        auto same = fs_->open_append(copy, OpenMode::existing, 0, nullptr);
        if (same) {
          auto held = (*same)->read_from(0);
          // A copy left by a process that died before syncing it may not
          // be on disk yet: sync it before the cut relies on it.
          if (held && *held == bytes) {
            if (auto s = (*same)->sync(); !s) return s;
            if (auto s = fs_->sync_directory(directory_of(copy)); !s) return s;
            kept = true;
          }
        }
      }
      continue;
    }
    if (auto s = fs_->write_new_file(copy, bytes, 0640); !s)
      return failure("cannot keep the torn last line of " + file_.string() + " before cutting it: " + s.error().message);
    kept = true;
  }
  if (!kept) return failure("cannot keep the torn last line of " + file_.string() + ": too many earlier copies beside it");
  if (auto s = file_handle_->cut(offset); !s) return s;
  return sync();
}

Result<Witness> Writer::head() {
  // Exclusive: catching up may move a torn line aside.
  if (auto s = file_handle_->lock(); !s) return s.error();
  Unlock unlock{file_handle_.get()};
  if (auto s = catch_up(); !s) return s.error();
  return Witness{last_seq_, last_hash_};
}

Result<Record> Writer::append(Entry entry) {
  std::vector<Entry> entries;
  entries.push_back(std::move(entry));
  auto appended = append(std::move(entries));
  if (!appended) return appended.error();
  return std::move(appended->front());
}

Result<std::vector<Record>> Writer::append(std::vector<Entry> entries) {
  if (sync_failed_)
    return failure("an earlier write or sync of " + file_.string() + " failed (" + sync_failed_->message +
                   "), so what is on disk is unknown; nothing more is written by this process");
  for (auto& entry : entries)
    for (auto& [key, value] : entry.payload)
      if (key == "seq" || key == "prev" || entry.header.contains(key))
        return failure("a record for " + file_.string() + " has a payload key '" + std::string(key) +
                       "' that is also a header key; it is refused rather than dropped");
  if (auto s = file_handle_->lock(); !s) return s.error();
  Unlock unlock{file_handle_.get()};
  if (auto s = catch_up(); !s) return s.error();

  std::vector<Record> records;
  records.reserve(entries.size());
  std::string bytes;
  std::uint64_t seq = last_seq_;
  std::string prev = last_hash_;
  for (auto& entry : entries) {
    Record record;
    record.fields.reserve(entry.header.size() + entry.payload.size() + 2);
    record.seq = ++seq;
    record.fields["seq"] = static_cast<std::int64_t>(record.seq);
    // Moved, not copied: a payload can hold a 100,000-address receipt.
    for (auto& [key, value] : entry.header) record.fields[key] = std::move(value);
    record.fields["prev"] = prev;
    for (auto& [key, value] : entry.payload) record.fields[key] = std::move(value);
    std::string line = to_json_text(record.fields);
    record.hash = sha256_hex(line);
    record.offset = known_size_ + bytes.size();
    record.line = static_cast<std::size_t>(record.seq);
    prev = record.hash;
    bytes += line;
    bytes += '\n';
    records.push_back(std::move(record));
  }
  if (records.empty()) return records;

  if (auto s = file_handle_->append(bytes); !s) {
    // Leave no partial line behind. When the file cannot be cut back, some
    // of these records may stand whole in it: nothing more is appended.
    Status cut = file_handle_->cut(known_size_);
    if (cut) cut = sync();
    if (!cut) {
      Error error = s.error();
      error.message += "; cutting the partial write back failed too (" + cut.error().message +
                       "), so the log may hold some of these records";
      poison(error);
      return error;
    }
    return s.error();
  }
  if (auto s = sync(); !s) return s.error();
  known_size_ += bytes.size();
  last_seq_ = seq;
  last_hash_ = prev;
  last_appended_ = Witness{last_seq_, last_hash_};
  return records;
}

}  // namespace responder::chained_log
