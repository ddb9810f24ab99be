#include "forensics/baseline/baseline_recorder.h"
#include "forensics/baseline/host_text_file.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <mutex>

#include "forensics/baseline/file_hash_pool.h"
#include "forensics/baseline/file_tree_walk.h"
#include "forensics/baseline/package_database.h"
#include "responder/clock.h"

namespace responder::baseline {
namespace {

constexpr std::size_t kMaxNotedFailures = 100;

std::string host_name(const std::filesystem::path& root) {
  HostTextLines in(root, "/etc/hostname");
  std::string name;
  if (root != "/" && in.getline(name) && !name.empty()) return name;
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) == 0) return buffer;
  return name;
}

}  // namespace

Result<BaselineRecording> record_baseline(const RecordOptions& options) {
  BaselineRecording recording;
  auto& header = recording.header;
  header.root = options.root.string();
  header.paths = options.paths;
  header.host = host_name(options.root);
  header.time = now_rfc3339();
  auto expanded = expand_paths(options.root, options.paths);
  header.missing = expanded.missing;
  IdNames names = read_id_names(options.root);
  PackageDatabase packages;
  if (options.packages) {
    auto db = PackageDatabase::read(options.root, options.paths);
    if (!db) return db.error();
    packages = std::move(*db);
  }

  std::mutex mutex;
  std::vector<std::string> failures;
  std::uint64_t failure_count = 0;
  auto note_failure = [&](const std::string& path, const std::string& why) {
    std::lock_guard lock(mutex);
    if (++failure_count <= kMaxNotedFailures) failures.push_back(path + ": " + why);
  };
  auto stop = [&] { return options.stop && options.stop(); };

  HashingProgress progress;
  ProgressThrottle throttle(options.progress);
  {
    FileHashPool pool(
        [&](HashJob&& job) {
          if (!job.error.empty()) {
            note_failure(job.entry.path, job.error);
            return;
          }
          job.entry.md5 = std::move(job.md5);
          std::lock_guard lock(mutex);
          recording.files.push_back(std::move(job.entry));
        },
        options.workers);
    for (auto& path : expanded.existing) {
      walk_tree(
          options.root, path, names,
          [&](FileEntry&& entry) {
            ++progress.files_found;
            if (entry.type == FileEntry::Type::file) {
              HashJob job;
              job.on_disk = on_disk(options.root, entry.path);
              job.want_md5 = packages.find(entry.path) != nullptr;
              job.entry = std::move(entry);
              pool.submit(std::move(job));
            } else {
              std::lock_guard lock(mutex);
              recording.files.push_back(std::move(entry));
            }
            progress.files_hashed = pool.files_done();
            progress.bytes_hashed = pool.bytes_done();
            throttle.poll(progress);
          },
          note_failure, stop);
      if (stop()) break;
    }
    if (stop()) pool.cancel();
    pool.finish();
    progress.files_hashed = progress.files_found;
    progress.bytes_hashed = pool.bytes_done();
    recording.bytes_hashed = pool.bytes_done();
  }
  progress.finished = true;
  throttle.poll(progress);
  if (stop()) return interruption("the baseline recording was interrupted; nothing was written");

  std::sort(recording.files.begin(), recording.files.end(), [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  InventorySources sources = options.inventory;
  sources.root = options.root;
  auto inventory = read_host_inventory(sources);
  recording.inventory = std::move(inventory.records);
  header.notes = std::move(inventory.notes);
  std::sort(failures.begin(), failures.end());
  for (auto& f : failures) header.notes.push_back("not recorded: " + f);
  if (failure_count > kMaxNotedFailures)
    header.notes.push_back(std::to_string(failure_count - kMaxNotedFailures) + " more files could not be read");
  header.counts["file"] = recording.files.size();
  for (auto& r : recording.inventory) ++header.counts[r.kind];
  header.records = recording.files.size() + recording.inventory.size();
  return recording;
}

Result<BaselineWriter::Written> write_baseline(const BaselineRecording& recording, const std::filesystem::path& file,
                                               const evidence::Ed25519Key& key) {
  BaselineWriter writer;
  // Nothing is signed that the reader would refuse: a line longer than it
  // takes is named here, before the file exists.
  auto write = [&](const std::string& line, const std::string& what) -> Status {
    if (line.size() > kMaxBaselineLine)
      return bad_input("the baseline's record of " + what + " would be " + std::to_string(line.size()) +
                       " bytes, longer than the " + std::to_string(kMaxBaselineLine) +
                       " a baseline line may be; leave it out with --paths, or shorten it; nothing was written");
    return writer.write_line(line);
  };
  if (Status s = write(header_line(recording.header), "its header"); !s) return s.error();
  for (auto& f : recording.files)
    if (Status s = write(file_line(f), valid_utf8_text(f.path)); !s) return s.error();
  for (auto& r : recording.inventory)
    if (Status s = write(inventory_line(r), r.kind + " " + valid_utf8_text(r.key.substr(0, 200))); !s) return s.error();
  return writer.finish(file, key);
}

}  // namespace responder::baseline
