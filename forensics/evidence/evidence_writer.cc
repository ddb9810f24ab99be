#include "forensics/evidence/evidence_writer.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <vector>

#include "forensics/evidence/custody_log.h"
#include "responder/durable_file.h"
#include "forensics/evidence/evidence_host.h"
#include "forensics/evidence/evidence_lock.h"
#include "forensics/evidence/evidence_manifest.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/evidence_time.h"
#include "forensics/evidence/immutable_file.h"
#include "forensics/evidence/open_manifest.h"

namespace responder::evidence {
namespace {

std::string errno_text(int err) { return std::string(std::strerror(err)) + " (errno " + std::to_string(err) + ")"; }

std::string random_tag() {
  std::random_device device;
  char text[17];
  std::snprintf(text, sizeof text, "%08x%08x", device(), device());
  return text;
}

// Starts writeback of what was written so far, so that the final fsync of a
// large image does not stall on gigabytes of dirty pages, and the page
// cache does not balloon with the image size.
void start_writeback(int fd, std::uint64_t from, std::uint64_t to) {
  ::sync_file_range(fd, static_cast<off_t>(from), static_cast<off_t>(to - from), SYNC_FILE_RANGE_WRITE);
}

std::string why_for(const StepContext& context) {
  if (context.step_id.empty()) return "incident " + context.incident_id;
  return "step " + context.step_id + " of incident " + context.incident_id;
}

// A finished file waiting for its record: hashed, fsync'd, `fd` open on it.
struct PendingRecord {
  const StepContext* context;
  std::filesystem::path dir;
  int fd;
  std::filesystem::path partial;
  const std::string* name;
  const StreamDigest* digest;
  const std::string* source;
  const json::object* metadata;
  const std::string* method;
  const std::string* started;
  std::optional<Result<EvidenceItem>> result;
};

// Records a batch of finished files under one hold of the store's lock: one
// manifest read and rewrite, one directory fsync and one custody append for
// all of them. Sets every record's result.
void record_batch(const std::vector<PendingRecord*>& batch) {
  const auto& dir = batch.front()->dir;
  auto fail_all = [&](const Error& e) {
    for (auto* p : batch)
      if (!p->result) p->result = e;
  };
  auto lock = EvidenceLock::acquire(dir);
  if (!lock) return fail_all(lock.error());
  if (evidence_sealed(dir))
    return fail_all(refusal("the evidence bundle of incident " + batch.front()->context->incident_id +
                            " is sealed; nothing more can be added to it"));
  auto manifest = OpenManifest::load(dir, batch.front()->context->incident_id);
  if (!manifest) return fail_all(manifest.error());

  std::vector<std::pair<PendingRecord*, EvidenceItem>> named;
  std::uint64_t next_id = (*manifest)->next_id();
  for (auto* p : batch) {
    const StepContext& context = *p->context;
    EvidenceItem item;
    item.id = next_id;
    char number[16];
    std::snprintf(number, sizeof number, "%04llu-", static_cast<unsigned long long>(item.id));
    item.name = *p->name;
    item.path = "items/" + std::string(number) + evidence_file_name(*p->name);
    item.size = p->digest->size;
    item.sha256 = p->digest->sha256;
    item.chunk_size = kEvidenceChunkSize;
    item.chunks = p->digest->chunks;
    item.source = *p->source;
    item.method = *p->method;
    item.metadata = *p->metadata;
    item.acquired_from = *p->started;
    item.acquired_to = now_utc_ns();
    item.collector = kEvidenceCollector;
    item.actor = context.actor;
    item.step = context.step_id;

    auto final_path = dir / item.path;
    if (::rename(p->partial.c_str(), final_path.c_str()) != 0) {
      p->result = failure("cannot name the item " + final_path.string() + ": " + errno_text(errno));
      continue;
    }
    if (Status flag = set_write_once(p->fd, WriteOnceFlag::immutable); flag) {
      item.write_once = "immutable";
    } else {
      item.write_once = "NOT IN FORCE: " + flag.error().message;
      spdlog::warn("EVIDENCE NOT WRITE-ONCE: {}: {}", final_path.string(), flag.error().message);
    }
    ++next_id;
    named.emplace_back(p, std::move(item));
  }
  if (named.empty()) return;
  auto fail_named = [&](const Error& e) {
    for (auto& [p, item] : named) p->result = e;
  };
  if (auto s = fsync_directory(dir / "items"); !s) return fail_named(s.error());
  std::vector<EvidenceItem> added;
  for (auto& [p, item] : named) added.push_back(item);
  if (auto s = (*manifest)->append(std::move(added)); !s) return fail_named(s.error());

  std::vector<CustodyAct> acts;
  for (auto& [p, item] : named) {
    CustodyAct act;
    act.act = "collected";
    act.who = p->context->actor;
    act.why = why_for(*p->context);
    json::object record;
    record["id"] = item.id;
    record["path"] = item.path;
    record["size"] = item.size;
    record["sha256"] = item.sha256;
    record["source"] = item.source;
    record["method"] = item.method;
    act.details["item"] = std::move(record);
    act.details["write_once"] = item.write_once;
    acts.push_back(std::move(act));
  }
  auto appended = append_custody(dir, acts);
  if (!appended) return fail_named(appended.error());
  if (!appended->empty() && !appended->front().write_once_problem.empty())
    spdlog::warn("CUSTODY LOG NOT APPEND-ONLY: {}", appended->front().write_once_problem);
  for (auto& [p, item] : named) p->result = std::move(item);
}

// The common end of finish() and adopt(): the file at `partial` is complete,
// hashed and fsync'd; `fd` is open on it. Gives it its number, makes it
// immutable and records it, as one item of a group commit: while one thread
// records a batch under the store's lock, files finished meanwhile by other
// threads (evidence.collect's workers) queue, and the next of them records
// them all at once. Each call returns only once its own item is recorded.
Result<EvidenceItem> record_item(const StepContext& context, const std::filesystem::path& dir, int fd,
                                 const std::filesystem::path& partial, const std::string& name,
                                 const StreamDigest& digest, const std::string& source,
                                 const json::object& metadata, const std::string& method, const std::string& started) {
  static std::mutex mutex;
  static std::condition_variable recorded;
  static std::vector<PendingRecord*> queue;
  static std::set<std::filesystem::path> recording;  // stores a thread is recording a batch into

  PendingRecord me{&context, dir, fd, partial, &name, &digest, &source, &metadata, &method, &started, std::nullopt};
  std::unique_lock lock(mutex);
  queue.push_back(&me);
  while (!me.result && recording.count(dir)) recorded.wait(lock);
  if (me.result) return std::move(*me.result);

  recording.insert(dir);
  std::vector<PendingRecord*> batch;
  std::erase_if(queue, [&](PendingRecord* p) {
    if (p->dir != dir) return false;
    batch.push_back(p);
    return true;
  });
  lock.unlock();
  record_batch(batch);
  lock.lock();
  recording.erase(dir);
  recorded.notify_all();
  return std::move(*me.result);
}

}  // namespace

std::string evidence_file_name(std::string_view name) {
  std::string out;
  for (char c : name) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
                c == '_';
    out += safe ? c : '_';
  }
  while (!out.empty() && out.front() == '.') out.front() = '_';
  if (out.empty()) out = "item";
  if (out.size() > 200) out.resize(200);  // NAME_MAX with room for the number
  return out;
}

Result<std::unique_ptr<EvidenceWriter>> EvidenceWriter::begin(const StepContext& context, const std::string& name,
                                                             bool large, std::uint64_t expected_size) {
  if (context.evidence_relay) {
    auto item = context.evidence_relay->open(name);
    if (!item) return item.error();
    std::unique_ptr<EvidenceWriter> writer(new EvidenceWriter());
    writer->context_ = &context;
    writer->name_ = name;
    writer->started_ = now_utc_ns();
    writer->relay_ = context.evidence_relay;
    writer->relay_item_ = *item;
    auto* self = writer.get();
    writer->hasher_ = std::make_unique<StreamHasher>(
        kEvidenceChunkSize, large, large ? (4u << 20) : (256u << 10), large ? 8 : 1,
        [self](const std::byte* data, std::size_t n) { return self->write_out(data, n); });
    return writer;
  }
  if (context.incident_dir.empty()) return bad_input("evidence can only be written inside an incident");
  auto dir = evidence_dir(context.incident_dir);
  if (evidence_sealed(dir))
    return refusal("the evidence bundle of incident " + context.incident_id + " is sealed; nothing more can be added");
  std::error_code ec;
  std::filesystem::create_directories(dir / "items", ec);
  if (ec) return failure("cannot create " + (dir / "items").string() + ": " + ec.message());
  std::unique_ptr<EvidenceWriter> writer(new EvidenceWriter());
  writer->context_ = &context;
  writer->directory_ = dir;
  writer->name_ = name;
  writer->started_ = now_utc_ns();
  writer->partial_ = dir / "items" / (".partial-" + random_tag() + "-" + evidence_file_name(name));
  writer->fd_ = ::open(writer->partial_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
  if (writer->fd_ < 0) return failure("cannot create " + writer->partial_.string() + ": " + errno_text(errno));
  // Only with room to spare: a preallocation that fails half-way keeps what
  // it allocated, and a store filled by one partial file fails every other
  // write (manifest, custody, other items).
  struct statvfs room {};
  if (expected_size > 0 && ::fstatvfs(writer->fd_, &room) == 0 &&
      static_cast<std::uint64_t>(room.f_bavail) * room.f_frsize > expected_size + (expected_size >> 3)) {
    writer->preallocated_ = expected_size;
    if (::fallocate(writer->fd_, 0, 0, static_cast<off_t>(expected_size)) != 0 && ::ftruncate(writer->fd_, 0) != 0)
      return failure("cannot release the space allocated for " + writer->partial_.string() + ": " + errno_text(errno));
  }
  if (large) {
    int flags = ::fcntl(writer->fd_, F_GETFL);
    writer->direct_ = flags >= 0 && ::fcntl(writer->fd_, F_SETFL, flags | O_DIRECT) == 0;
  }
  auto* self = writer.get();
  writer->hasher_ = std::make_unique<StreamHasher>(
      kEvidenceChunkSize, large, large ? (4u << 20) : (256u << 10), large ? 8 : 1,
      [self](const std::byte* data, std::size_t n) { return self->write_out(data, n); });
  return writer;
}

EvidenceWriter::~EvidenceWriter() {
  hasher_.reset();
  if (relay_ && !finished_) relay_->abandon(relay_item_);
  if (fd_ >= 0) ::close(fd_);
  if (!finished_ && !partial_.empty()) ::unlink(partial_.c_str());
}

std::span<std::byte> EvidenceWriter::block() {
  current_ = hasher_->acquire();
  return current_;
}

int EvidenceWriter::write_out(const std::byte* data, std::size_t n) {
  if (relay_) {
    if (n == 0) return 0;
    auto sent = relay_->send(relay_item_, data, n);
    if (sent) return 0;
    relay_error_ = sent.error().message;
    return EPIPE;
  }
  constexpr std::size_t align = StreamHasher::kBlockAlignment;
  auto buffered = [&] {
    int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return errno;
    direct_ = false;
    return 0;
  };
  // O_DIRECT needs address, length and offset aligned: a stream that ends
  // (or a source that returned a short read) continues through the cache.
  if (direct_ && (reinterpret_cast<std::uintptr_t>(data) % align != 0 || n % align != 0 || written_out_ % align != 0))
    if (int err = buffered(); err != 0) return err;
  const auto* at = reinterpret_cast<const char*>(data);
  std::size_t left = n;
  while (left > 0) {
    ssize_t w = ::pwrite(fd_, at, left, static_cast<off_t>(written_out_ + (n - left)));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EINVAL && direct_) {
      if (int err = buffered(); err != 0) return err;  // a device with larger logical blocks than we align to
      continue;
    }
    if (w < 0) return errno;
    at += w;
    left -= static_cast<std::size_t>(w);
  }
  written_out_ += n;
  if (!direct_ && written_out_ - synced_ >= kEvidenceChunkSize) {
    start_writeback(fd_, synced_, written_out_);
    synced_ = written_out_;
  }
  return 0;
}

Status EvidenceWriter::sink_status() const {
  int err = hasher_->sink_error();
  if (err == 0) return {};
  // The sink thread sets relay_error_ before it returns the error that
  // sink_error() reads under the hasher's mutex: read only after it.
  if (!relay_error_.empty()) return failure(relay_error_);
  return failure("cannot write " + partial_.string() + ": " + errno_text(err));
}

Status EvidenceWriter::commit_block(std::size_t used) {
  // The block is handed to the writer and the hashers together and not
  // changed until all three are done: the hash is of the very bytes that
  // reached the file.
  hasher_->submit(used);
  current_ = {};
  written_ += used;
  return sink_status();
}

Status EvidenceWriter::write(std::string_view bytes) {
  while (!bytes.empty()) {
    if (current_.empty()) {
      block();
      filled_ = 0;
    }
    std::size_t take = std::min(bytes.size(), current_.size() - filled_);
    std::memcpy(current_.data() + filled_, bytes.data(), take);
    filled_ += take;
    bytes.remove_prefix(take);
    if (filled_ == current_.size())
      if (auto s = flush_pending(); !s) return s;
  }
  return {};
}

Status EvidenceWriter::flush_pending() {
  if (current_.empty()) return {};
  std::size_t used = filled_;
  filled_ = 0;
  return commit_block(used);
}

Result<EvidenceItem> EvidenceWriter::finish(const std::string& source, const json::object& metadata,
                                            const std::string& method, const std::string& expected_sha256) {
  if (auto s = flush_pending(); !s) return s.error();
  StreamDigest digest = hasher_->finish();
  if (auto s = sink_status(); !s) return s.error();
  if (!expected_sha256.empty() && digest.sha256 != expected_sha256)
    return failure(name_ + " arrived with SHA-256 " + digest.sha256 + " (" + std::to_string(digest.size) +
                   " bytes), not the " + expected_sha256 + " it was sent with; it was not stored");
  if (relay_) {
    json::array chunks;
    for (auto& c : digest.chunks) chunks.emplace_back(c);
    json::object description{{"name", name_},
                             {"size", digest.size},
                             {"sha256", digest.sha256},
                             {"chunk_size", kEvidenceChunkSize},
                             {"chunks", std::move(chunks)},
                             {"source", source},
                             {"method", method},
                             {"metadata", metadata},
                             {"acquired_from", started_},
                             {"acquired_to", now_utc_ns()}};
    // Ended either way: a refused item is not abandoned again.
    finished_ = true;
    auto record = relay_->close(relay_item_, std::move(description));
    if (!record) return record.error();
    return EvidenceItem::from_json(*record);
  }
  // Whatever the preallocation did, the file must end where the hashed bytes end.
  if (preallocated_ > 0 && ::ftruncate(fd_, static_cast<off_t>(written_)) != 0)
    return failure("cannot trim " + partial_.string() + ": " + errno_text(errno));
  if (::fsync(fd_) != 0) return failure("cannot fsync " + partial_.string() + ": " + errno_text(errno));
  auto item = record_item(*context_, directory_, fd_, partial_, name_, digest, source, metadata, method, started_);
  if (item) finished_ = true;
  return item;
}

Result<EvidenceItem> EvidenceWriter::adopt(const StepContext& context, const std::filesystem::path& file,
                                           const std::string& name, const std::string& source,
                                           const json::object& metadata, const std::string& method) {
  if (context.incident_dir.empty()) return bad_input("evidence can only be written inside an incident");
  auto dir = evidence_dir(context.incident_dir);
  if (evidence_sealed(dir))
    return refusal("the evidence bundle of incident " + context.incident_id + " is sealed; nothing more can be added");
  std::error_code ec;
  std::filesystem::create_directories(dir / "items", ec);
  if (ec) return failure("cannot create " + (dir / "items").string() + ": " + ec.message());
  struct stat st{};
  if (::lstat(file.c_str(), &st) != 0) return failure("cannot stat " + file.string() + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode)) return bad_input(file.string() + " is not a regular file");
  std::string started = now_utc_ns();
  auto partial = dir / "items" / (".partial-" + random_tag() + "-" + evidence_file_name(name));
  if (::rename(file.c_str(), partial.c_str()) != 0) {
    int err = errno;
    return failure("cannot move " + file.string() + " into the store: " + errno_text(err));
  }
  // From here the file is ours; on failure it is put back where it was.
  auto put_back = [&] { ::rename(partial.c_str(), file.c_str()); };
  int fd = ::open(partial.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Error e = failure("cannot open " + partial.string() + ": " + errno_text(errno));
    put_back();
    return e;
  }
  ::fchmod(fd, 0400);
  StreamHasher hasher(kEvidenceChunkSize, st.st_size > static_cast<off_t>(kEvidenceChunkSize));
  for (;;) {
    auto block = hasher.acquire();
    ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) { hasher.submit(0); continue; }
    if (n < 0) {
      Error e = failure("cannot read " + partial.string() + ": " + errno_text(errno));
      hasher.submit(0);
      ::close(fd);
      put_back();
      return e;
    }
    hasher.submit(static_cast<std::size_t>(n));
    if (n == 0) break;
  }
  StreamDigest digest = hasher.finish();
  if (::fsync(fd) != 0) {
    Error e = failure("cannot fsync " + partial.string() + ": " + errno_text(errno));
    ::close(fd);
    put_back();
    return e;
  }
  auto item = record_item(context, dir, fd, partial, name, digest, source, metadata, method, started);
  ::close(fd);
  if (!item) put_back();
  return item;
}

}  // namespace responder::evidence
