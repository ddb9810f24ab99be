#include "tests/support/fault_file_system.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

namespace responder::testing {
namespace {

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

std::optional<int> errno_named(const std::string& name) {
  if (name == "EIO") return EIO;
  if (name == "ENOSPC") return ENOSPC;
  if (name == "EDQUOT") return EDQUOT;
  if (name == "EROFS") return EROFS;
  return std::nullopt;
}

class FaultAppendFile final : public chained_log::AppendFile {
 public:
  FaultAppendFile(std::unique_ptr<chained_log::AppendFile> real, FaultFileSystem* fs, bool watched)
      : real_(std::move(real)), fs_(fs), watched_(watched) {}
  const std::filesystem::path& path() const override { return real_->path(); }
  Status lock() override { return real_->lock(); }
  void unlock() override { real_->unlock(); }
  Result<std::uint64_t> size() override { return real_->size(); }
  Result<std::string> read_from(std::uint64_t offset) override { return real_->read_from(offset); }
  Status append(std::string_view bytes) override {
    return watched_ ? fs_->on_append(*real_, bytes) : real_->append(bytes);
  }
  Status sync() override { return watched_ ? fs_->on_sync(*real_) : real_->sync(); }
  Status cut(std::uint64_t size) override { return real_->cut(size); }
  int descriptor() const override { return real_->descriptor(); }

 private:
  std::unique_ptr<chained_log::AppendFile> real_;
  FaultFileSystem* fs_;
  bool watched_;
};

}  // namespace

std::optional<Fault> parse_fault(const std::string& text) {
  auto parts = split(text, ':');
  if (parts.size() < 3) return std::nullopt;
  Fault fault;
  fault.file = parts[0];
  const std::string& action = parts[1];
  fault.nth = std::strtoull(parts[2].c_str(), nullptr, 10);
  if (fault.nth == 0) return std::nullopt;
  if (action == "kill-after-sync" && parts.size() == 3) {
    fault.action = Fault::Action::kill_after_sync;
  } else if (action == "power-cut" && parts.size() == 4) {
    fault.action = Fault::Action::power_cut;
    if (parts[3] == "half")
      fault.half = true;
    else if (parts[3] != "all")
      fault.bytes = std::strtoull(parts[3].c_str(), nullptr, 10);
  } else if ((action == "write-error" || action == "sync-error") && parts.size() == 4) {
    fault.action = action == "write-error" ? Fault::Action::write_error : Fault::Action::sync_error;
    auto error = errno_named(parts[3]);
    if (!error) return std::nullopt;
    fault.error = *error;
  } else if (action == "count-syncs" && parts.size() == 4 && !parts[3].empty()) {
    fault.action = Fault::Action::count_syncs;
    fault.count_file = parts[3];
  } else {
    return std::nullopt;
  }
  return fault;
}

FaultFileSystem::FaultFileSystem(Fault fault, bool kill) : fault_(std::move(fault)), kill_(kill) {}

Result<std::unique_ptr<chained_log::AppendFile>> FaultFileSystem::open_append(const std::filesystem::path& file,
                                                                              chained_log::OpenMode how, unsigned mode,
                                                                              bool* created) {
  auto real = chained_log::posix_file_system().open_append(file, how, mode, created);
  if (!real) return real.error();
  bool watched = file.filename() == fault_.file;
  return std::unique_ptr<chained_log::AppendFile>(new FaultAppendFile(std::move(*real), this, watched));
}

Result<std::string> FaultFileSystem::read_file(const std::filesystem::path& file) {
  return chained_log::posix_file_system().read_file(file);
}

Status FaultFileSystem::write_new_file(const std::filesystem::path& file, std::string_view bytes, unsigned mode) {
  return chained_log::posix_file_system().write_new_file(file, bytes, mode);
}

Status FaultFileSystem::sync_directory(const std::filesystem::path& directory) {
  return chained_log::posix_file_system().sync_directory(directory);
}

void FaultFileSystem::die() {
  fired_ = true;
  if (kill_) ::kill(::getpid(), SIGKILL);
  throw PowerCut{};
}

Status FaultFileSystem::on_append(chained_log::AppendFile& real, std::string_view bytes) {
  // A write may hold several records (records made durable together): the
  // fault is on the write that holds record N.
  std::uint64_t first = written_ + 1;
  std::uint64_t last = written_ + static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
  bool holds_nth = !fired_ && first <= fault_.nth && fault_.nth <= last;
  if (!holds_nth) {
    Status appended = real.append(bytes);
    if (appended) written_ = last;
    return appended;
  }
  if (fault_.action == Fault::Action::power_cut) {
    std::size_t kept = fault_.half    ? bytes.size() / 2
                       : fault_.bytes ? std::min<std::size_t>(*fault_.bytes, bytes.size())
                                      : bytes.size();
    if (kept) (void)real.append(bytes.substr(0, kept));
    die();
  }
  if (fault_.action == Fault::Action::write_error) {
    fired_ = true;
    (void)real.append(bytes.substr(0, bytes.size() / 2));
    return failure("cannot append to " + real.path().string() + ": " + std::strerror(fault_.error));
  }
  Status appended = real.append(bytes);
  if (appended) written_ = last;
  return appended;
}

Status FaultFileSystem::on_sync(chained_log::AppendFile& real) {
  if (fault_.action == Fault::Action::count_syncs) {
    Status synced = real.sync();
    std::ofstream(fault_.count_file, std::ios::trunc) << ++synced_ << "\n";
    return synced;
  }
  // The sync that makes record N durable.
  if (fired_ || written_ < fault_.nth) return real.sync();
  if (fault_.action == Fault::Action::sync_error) {
    fired_ = true;
    return failure("cannot sync " + real.path().string() + ": " + std::strerror(fault_.error));
  }
  if (fault_.action == Fault::Action::kill_after_sync) {
    Status synced = real.sync();
    if (!synced) return synced;
    die();
  }
  return real.sync();
}

void install_fault_from_environment() {
  std::optional<Fault> fault;
  if (const char* text = std::getenv("RESPONDER_FAULT"); text && *text) {
    fault = parse_fault(text);
    if (!fault) {
      // A typo must not turn a crash test into a clean run that passes.
      std::fputs("responder-test: RESPONDER_FAULT not understood\n", stderr);
      std::_Exit(99);
    }
  } else if (const char* n = std::getenv("RESPONDER_KILL_AFTER_RECORD"); n && *n) {
    fault = parse_fault(std::string("journal.jsonl:kill-after-sync:") + n);
  }
  if (!fault) return;
  static FaultFileSystem fs(*fault);
  chained_log::install_file_system_for_testing(&fs);
}

}  // namespace responder::testing
