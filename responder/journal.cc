#include "responder/journal.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>

#include "responder/clock.h"
#include "responder/journal_format.h"

namespace responder {

namespace {
std::function<void(const JournalRecord&)>& after_append_hook() {
  static std::function<void(const JournalRecord&)> hook;
  return hook;
}

std::string errno_text(const std::string& what, const std::filesystem::path& path) {
  return what + " " + path.string() + ": " + std::strerror(errno);
}

Status fsync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failure(errno_text("cannot open directory", dir));
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return failure(errno_text("cannot fsync directory", dir));
  return {};
}

// Reads [from, end) of the file.
Result<std::string> read_from(int fd, std::uint64_t from, const std::filesystem::path& path) {
  std::string out;
  char buffer[1 << 16];
  std::uint64_t offset = from;
  while (true) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure(errno_text("cannot read", path));
    }
    if (n == 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
    offset += static_cast<std::uint64_t>(n);
  }
  return out;
}

Result<JournalRecord> parse_record(std::string_view line, std::size_t line_number) {
  json::value parsed;
  try {
    parsed = parse_json(line);
  } catch (const std::exception&) {
    return failure("line " + std::to_string(line_number) + " is not a JSON record");
  }
  if (!parsed.is_object()) return failure("line " + std::to_string(line_number) + " is not a JSON object");
  JournalRecord record;
  record.fields = std::move(parsed.get_object());
  record.line = line_number;
  record.hash = sha256_hex(line);
  if (auto* s = record.fields.if_contains("seq"); s && s->is_int64()) record.seq = static_cast<std::uint64_t>(s->get_int64());
  record.kind = record.text("kind");
  record.actor = record.text("actor");
  record.time = record.text("time");
  return record;
}
}  // namespace

std::string JournalRecord::text(std::string_view key) const {
  if (auto* v = fields.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return "";
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

Result<std::string> read_journal_file(const std::filesystem::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure(errno_text("cannot read", file));
  auto bytes = read_from(fd, 0, file);
  ::close(fd);
  return bytes;
}

Result<JournalContents> read_journal(const std::filesystem::path& file) {
  auto bytes = read_journal_file(file);
  if (!bytes) return bytes.error();
  return read_journal_bytes(*bytes, file.string());
}

Result<JournalContents> read_journal_bytes(std::string_view data, const std::string& origin) {
  JournalContents contents;
  std::size_t pos = 0, line_number = 0;
  while (pos < data.size()) {
    auto end = data.find('\n', pos);
    if (end == std::string::npos) {
      contents.torn_tail = {{pos, data.size() - pos}};
      break;
    }
    ++line_number;
    auto record = parse_record(data.substr(pos, end - pos), line_number);
    if (!record) return failure(origin + ": " + record.error().message);
    contents.records.push_back(std::move(*record));
    pos = end + 1;
  }
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

Result<JournalWitness> parse_witness(std::string_view text) {
  auto colon = text.find(':');
  auto bad = [&] {
    return bad_input("--witness '" + std::string(text.substr(0, 200)) +
                     "': expected SEQ:SHA256, as `run` and `status` print it (e.g. 42:9f86d0...)");
  };
  if (colon == std::string_view::npos || colon == 0 || colon > 19) return bad();
  JournalWitness witness;
  for (char c : text.substr(0, colon)) {
    if (c < '0' || c > '9') return bad();
    witness.seq = witness.seq * 10 + static_cast<std::uint64_t>(c - '0');
  }
  auto hash = text.substr(colon + 1);
  if (witness.seq == 0 || hash.size() != 64) return bad();
  for (char c : hash) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return bad();
    witness.sha256 += static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  }
  return witness;
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

ChainReport verify_journal_bytes(std::string_view data, const std::vector<JournalWitness>& witnesses) {
  ChainReport report;
  auto problem = [&](std::string text, bool is_break = true) {
    report.intact = false;
    if (is_break && report.breaks++ == 0) report.first_break = text;
    report.problems.push_back(std::move(text));
  };
  std::string previous_hash = kZeroHash;
  std::size_t pos = 0, line_number = 0;
  std::uint64_t expected_seq = 1;
  std::map<std::uint64_t, std::string> wanted;
  for (auto& w : witnesses) wanted[w.seq] = w.sha256;
  while (pos < data.size()) {
    auto end = data.find('\n', pos);
    if (end == std::string::npos) {
      problem("line " + std::to_string(line_number + 1) + " is torn (no end of line; a write interrupted by a crash), " +
                  std::to_string(data.size() - pos) + " bytes",
              false);
      break;
    }
    ++line_number;
    std::string_view line = data.substr(pos, end - pos);
    auto record = parse_record(line, line_number);
    std::string label = "record " + std::to_string(line_number) + " (line " + std::to_string(line_number) + ")";
    if (!record) {
      problem(label + " is not valid JSON: it was changed");
    } else {
      if (record->seq != expected_seq)
        problem(label + " has seq " + std::to_string(record->seq) + ", expected " + std::to_string(expected_seq));
      if (record->text("prev") != previous_hash) {
        if (line_number == 1)
          problem(label + ": prev should be 64 zeros; the start of the journal was changed");
        else
          problem(label + ": prev does not match the SHA-256 of record " + std::to_string(line_number - 1) +
                  "; record " + std::to_string(line_number - 1) + " was changed, or a record was removed or inserted before " +
                  label);
      }
    }
    previous_hash = sha256_hex(line);
    if (auto w = wanted.find(line_number); w != wanted.end()) {
      if (w->second != previous_hash)
        problem("record " + std::to_string(line_number) + " is not the record the witness " + std::to_string(line_number) +
                ":" + w->second + " saw: it was rewritten since");
      wanted.erase(w);
    }
    expected_seq = line_number + 1;
    pos = end + 1;
  }
  for (auto& [seq, hash] : wanted)
    problem("the witness " + std::to_string(seq) + ":" + hash + " saw record " + std::to_string(seq) +
            ", which is gone: the journal ends at record " + std::to_string(line_number) + ", so it was cut since");
  report.records = line_number;
  report.head = line_number ? previous_hash : kZeroHash;
  return report;
}

void JournalWriter::set_after_append_hook(std::function<void(const JournalRecord&)> hook) {
  after_append_hook() = std::move(hook);
}

Result<JournalWriter> JournalWriter::open(const std::filesystem::path& incident_dir, bool create) {
  JournalWriter writer;
  writer.file_ = incident_dir / kJournalFileName;
  writer.last_hash_ = kZeroHash;
  std::error_code ec;
  if (create) {
    if (std::filesystem::exists(incident_dir, ec))
      return bad_input("incident directory " + incident_dir.string() + " already exists; use `responder resume` to continue it");
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
      if (errno == EACCES || errno == EPERM)
        return refusal(errno_text("cannot create", incident_dir) + "; run as root or choose a home you may write (--home DIR)");
      return failure(errno_text("cannot create", incident_dir));
    }
    if (::chmod(incident_dir.c_str(), dir_mode) != 0) return failure(errno_text("cannot set the mode of", incident_dir));
    writer.fd_ = ::open(writer.file_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, file_mode);
    if (writer.fd_ < 0) return failure(errno_text("cannot create", writer.file_));
    if (::fchmod(writer.fd_, file_mode) != 0) return failure(errno_text("cannot set the mode of", writer.file_));
    if (auto s = fsync_directory(incident_dir); !s) return s.error();
    if (auto s = fsync_directory(incident_dir.parent_path().empty() ? "." : incident_dir.parent_path()); !s) return s.error();
    return writer;
  }
  writer.fd_ = ::open(writer.file_.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
  if (writer.fd_ < 0) {
    if (errno == ENOENT) return bad_input("no incident at " + incident_dir.string() + " (no " + kJournalFileName + ")");
    if (errno == EACCES || errno == EPERM)
      return refusal(errno_text("cannot write to", writer.file_) +
                     "; only root writes the journal: use sudo (README: \"Sharing an incident home with approvers\")");
    return failure(errno_text("cannot open", writer.file_));
  }
  if (::flock(writer.fd_, LOCK_EX) != 0) return failure(errno_text("cannot lock", writer.file_));
  auto status = writer.catch_up();
  ::flock(writer.fd_, LOCK_UN);
  if (!status) return status.error();
  return writer;
}

JournalWriter::JournalWriter(JournalWriter&& other) noexcept { *this = std::move(other); }

JournalWriter& JournalWriter::operator=(JournalWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    file_ = std::move(other.file_);
    known_size_ = other.known_size_;
    last_seq_ = other.last_seq_;
    last_hash_ = std::move(other.last_hash_);
    last_appended_ = std::move(other.last_appended_);
  }
  return *this;
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status JournalWriter::catch_up() {
  struct stat st{};
  if (::fstat(fd_, &st) != 0) return failure(errno_text("cannot stat", file_));
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == known_size_) return {};
  // Records are only ever appended: a shorter file was cut, and appending
  // after it would chain onto a record that is gone.
  if (size < known_size_)
    return refusal(file_.string() + " is shorter than when this process last read it: records were removed");
  auto data = read_from(fd_, known_size_, file_);
  if (!data) return data.error();
  std::size_t pos = 0;
  while (pos < data->size()) {
    auto end = data->find('\n', pos);
    if (end == std::string::npos) {
      // A torn last line: keep its bytes beside the journal, then cut it off,
      // so that the next record starts on a line of its own.
      std::uint64_t offset = known_size_ + pos;
      auto torn = file_.parent_path() / ("journal.torn." + std::to_string(offset));
      std::ofstream(torn, std::ios::binary).write(data->data() + pos, static_cast<std::streamsize>(data->size() - pos));
      if (::ftruncate(fd_, static_cast<off_t>(offset)) != 0) return failure(errno_text("cannot cut the torn line of", file_));
      if (::fdatasync(fd_) != 0) return failure(errno_text("cannot sync", file_));
      size = offset;
      break;
    }
    std::string_view line = std::string_view(*data).substr(pos, end - pos);
    auto record = parse_record(line, 0);
    if (!record) return failure(file_.string() + ": a record at byte " + std::to_string(known_size_ + pos) + " is not JSON");
    last_seq_ = record->seq;
    last_hash_ = sha256_hex(line);
    pos = end + 1;
  }
  known_size_ = size;
  return {};
}

Result<JournalWitness> JournalWriter::head() {
  // Exclusive: catching up may move a torn line aside.
  if (::flock(fd_, LOCK_EX) != 0) return failure(errno_text("cannot lock", file_));
  auto status = catch_up();
  ::flock(fd_, LOCK_UN);
  if (!status) return status.error();
  return JournalWitness{last_seq_, last_hash_};
}

Result<JournalRecord> JournalWriter::append(std::string_view kind, std::string_view actor, json::object payload) {
  if (::flock(fd_, LOCK_EX) != 0) return failure(errno_text("cannot lock", file_));
  struct Unlock {
    int fd;
    ~Unlock() { ::flock(fd, LOCK_UN); }
  } unlock{fd_};
  if (auto s = catch_up(); !s) return s.error();

  JournalRecord record;
  record.seq = last_seq_ + 1;
  record.kind = std::string(kind);
  record.actor = std::string(actor);
  record.time = now_rfc3339();
  record.fields["seq"] = static_cast<std::int64_t>(record.seq);
  record.fields["time"] = record.time;
  record.fields["actor"] = record.actor;
  record.fields["kind"] = record.kind;
  record.fields["prev"] = last_hash_;
  for (auto& [key, value] : payload)
    if (!record.fields.contains(key)) record.fields[key] = std::move(value);
  std::string line = to_json_text(record.fields);
  std::string bytes = line + "\n";
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return failure(errno_text("cannot append to", file_));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fdatasync(fd_) != 0) return failure(errno_text("cannot sync", file_));
  known_size_ += bytes.size();
  last_seq_ = record.seq;
  last_hash_ = sha256_hex(line);
  record.line = record.seq;
  record.hash = last_hash_;
  last_appended_ = JournalWitness{record.seq, last_hash_};
  if (after_append_hook()) after_append_hook()(record);
  return record;
}

}  // namespace responder
