#include "forensics/baseline/baseline_comparison.h"

#include <algorithm>
#include <mutex>

#include "forensics/baseline/file_hash_pool.h"
#include "forensics/baseline/file_tree_walk.h"
#include "forensics/baseline/package_database.h"

namespace responder::baseline {
namespace {

std::vector<std::string> differences(const FileEntry& b, const FileEntry& h) {
  std::vector<std::string> d;
  if (b.type != h.type) d.push_back("type");
  if (b.type == FileEntry::Type::file && h.type == FileEntry::Type::file && b.sha256 != h.sha256) d.push_back("sha256");
  if (b.mode != h.mode) d.push_back("mode");
  if (b.uid != h.uid) d.push_back("owner");
  if (b.gid != h.gid) d.push_back("group");
  if (b.caps != h.caps) d.push_back("caps");
  if (b.type == FileEntry::Type::symlink && h.type == FileEntry::Type::symlink && b.target != h.target) d.push_back("target");
  return d;
}

bool units_recorded(const BaselineHeader& header) {
  for (auto& note : header.notes)
    if (note.find("units were not read") != std::string::npos) return false;
  return true;
}

json::object with_identity(const InventoryRecord& r) {
  json::object o = r.fields;
  o["kind"] = r.kind;
  o["key"] = r.key;
  return o;
}

}  // namespace

Result<BaselineComparison> compare_host(const BaselineContents* baseline, const CompareOptions& options) {
  BaselineComparison out;
  out.had_baseline = baseline != nullptr;
  out.root = options.root.string();
  if (baseline) {
    out.baseline_host = baseline->header.host;
    out.baseline_time = baseline->header.time;
  }
  out.paths = !options.paths.empty() ? options.paths
              : baseline && !baseline->header.paths.empty() ? baseline->header.paths
                                                           : default_baseline_paths();
  auto expanded = expand_paths(options.root, out.paths);
  for (auto& m : expanded.missing) out.notes.push_back(m + " does not exist on this host");
  IdNames names = read_id_names(options.root);

  PackageDatabase packages;
  if (options.packages) {
    auto db = PackageDatabase::read(options.root, out.paths);
    if (!db) return db.error();
    packages = std::move(*db);
    out.packages_checked = packages.present();
    out.packages = packages.packages();
    out.packaged_files = packages.files().size();
    if (!packages.present())
      out.notes.push_back("no dpkg database under " + on_disk(options.root, "/var/lib/dpkg") + ": packaged files were not checked");
  }
  if (!baseline && !out.packages_checked)
    return bad_input("nothing to compare with: no baseline was given and this host has no dpkg database");

  std::mutex mutex;
  std::vector<char> baseline_seen(baseline ? baseline->files.size() : 0, 0);
  // A file in scope that could not be read: named in the notes (the first
  // 100) and in `unreadable` (the first 1,000), counted in full; under `mutex`.
  auto note_unreadable = [&](const std::string& path, const std::string& why) {
    ++out.unreadable_count;
    if (out.unreadable_count <= 100) out.notes.push_back("could not read " + path + ": " + why);
    if (out.unreadable_count <= 1000) out.unreadable.push_back(path);
  };

  // Judges one object of the host, hashed or not; under `mutex`.
  auto judge = [&](FileEntry&& host, const std::string& md5, const std::string& error) {
    const PackagedFile* packaged = out.packages_checked ? packages.find(host.path) : nullptr;
    const FileEntry* base = baseline ? baseline->find_file(host.path) : nullptr;
    if (base) baseline_seen[static_cast<std::size_t>(base - baseline->files.data())] = 1;
    if (packaged) packaged->seen = true;
    if (!error.empty()) {
      note_unreadable(host.path, error);
      if (packaged) out.package_mismatches.push_back({host.path, packaged->package, "unreadable: " + error, packaged->conffile});
      return;
    }
    ++out.files_checked;
    bool matches_package = false;
    // The MD5 was not computed for an unchanged file whose baseline
    // recorded it (see HashJob::md5_unless_sha256): the baseline's stands.
    std::string host_md5 = md5;
    if (host_md5.empty() && base && host.type == FileEntry::Type::file && host.sha256 == base->sha256) host_md5 = base->md5;
    if (packaged) {
      if (host.type != FileEntry::Type::file)
        out.package_mismatches.push_back({host.path, packaged->package, "not a regular file", packaged->conffile});
      else if (host_md5 != packaged->md5)
        out.package_mismatches.push_back({host.path, packaged->package, "md5", packaged->conffile});
      else
        matches_package = true;
    }
    if (baseline) {
      if (base) {
        auto d = differences(*base, host);
        if (!d.empty()) {
          // Set-id matters on files; a set-gid folder (/usr/local's, group staff) only names the group of what is made in it.
          if (host.setid() && !base->setid() && host.type == FileEntry::Type::file) out.new_setid.push_back(host);
          FileChange change{*base, std::move(host), std::move(d), packaged ? packaged->package : "", packaged && packaged->conffile,
                            matches_package};
          out.changed.push_back(std::move(change));
        }
      } else {
        if (host.setid() && host.type == FileEntry::Type::file) out.new_setid.push_back(host);
        out.added.push_back(std::move(host));
      }
    } else if (host.setid() && host.type == FileEntry::Type::file && !packaged) {
      // Without a baseline, a set-id file that no package installed is new by the only reference there is.
      out.new_setid.push_back(std::move(host));
    }
  };

  auto stop = [&] { return options.stop && options.stop(); };
  HashingProgress progress;
  progress.files_expected = baseline ? baseline->files.size() : 0;
  ProgressThrottle throttle(options.progress);
  {
    FileHashPool pool(
        [&](HashJob&& job) {
          std::lock_guard lock(mutex);
          judge(std::move(job.entry), job.md5, job.error);
        },
        options.workers);
    for (auto& path : expanded.existing) {
      walk_tree(
          options.root, path, names,
          [&](FileEntry&& entry) {
            ++progress.files_found;
            const PackagedFile* packaged = out.packages_checked ? packages.find(entry.path) : nullptr;
            if (entry.type == FileEntry::Type::file && (baseline || packaged)) {
              HashJob job;
              job.on_disk = on_disk(options.root, entry.path);
              const FileEntry* base = baseline ? baseline->find_file(entry.path) : nullptr;
              // Without a baseline only dpkg's MD5 is wanted; with one, the
              // SHA-256, and the MD5 only where the baseline cannot vouch for it.
              job.want_sha256 = baseline != nullptr;
              if (packaged && base && base->md5 == packaged->md5) job.md5_unless_sha256 = base->sha256;
              else job.want_md5 = packaged != nullptr;
              job.entry = std::move(entry);
              pool.submit(std::move(job));
            } else {
              if (entry.type == FileEntry::Type::file) entry.caps = file_capabilities(on_disk(options.root, entry.path));
              std::lock_guard lock(mutex);
              judge(std::move(entry), "", "");
            }
            progress.files_hashed = pool.files_done();
            progress.bytes_hashed = pool.bytes_done();
            throttle.poll(progress);
          },
          [&](const std::string& p, const std::string& why) {
            std::lock_guard lock(mutex);
            note_unreadable(p, why);
            if (baseline)
              if (auto* base = baseline->find_file(p)) baseline_seen[static_cast<std::size_t>(base - baseline->files.data())] = 1;
          },
          stop);
      if (stop()) break;
    }
    if (stop()) pool.cancel();
    pool.finish();
    out.bytes_hashed = pool.bytes_done();
  }
  progress.files_hashed = progress.files_found;
  progress.bytes_hashed = out.bytes_hashed;
  progress.finished = true;
  throttle.poll(progress);
  if (stop()) return interruption("the baseline comparison was interrupted before every file was read");
  if (out.unreadable_count > 100) out.notes.push_back(std::to_string(out.unreadable_count - 100) + " more objects could not be read");

  if (baseline)
    for (std::size_t i = 0; i < baseline->files.size(); ++i)
      if (!baseline_seen[i] && path_in_scope(baseline->files[i].path, out.paths)) out.removed.push_back(baseline->files[i]);
  for (auto& [path, packaged] : packages.files())
    if (!packaged.seen) out.package_mismatches.push_back({path, packaged.package, "missing", packaged.conffile});

  auto by_path = [](const auto& a, const auto& b) { return a.path < b.path; };
  std::sort(out.changed.begin(), out.changed.end(), [](const FileChange& a, const FileChange& b) { return a.host.path < b.host.path; });
  std::sort(out.added.begin(), out.added.end(), by_path);
  std::sort(out.new_setid.begin(), out.new_setid.end(), by_path);
  std::sort(out.package_mismatches.begin(), out.package_mismatches.end(), by_path);

  if (!baseline) {
    out.notes.push_back("no baseline given: only the package database was compared");
    return out;
  }
  InventorySources sources = options.inventory;
  sources.root = options.root;
  auto host = read_host_inventory(sources);
  for (auto& n : host.notes) out.notes.push_back(n);
  std::map<std::string, std::map<std::string, json::object>> now;
  for (auto& r : host.records) now[r.kind][r.key] = with_identity(r);
  bool compare_units = host.units_read && units_recorded(baseline->header);
  if (!compare_units) out.notes.push_back("systemd units were not compared: they were not read on " +
                                          std::string(host.units_read ? "the baseline's host" : "this host"));
  // A kernel module list read on one side only (a container has none) is not a difference.
  bool compare_modules = now.count("kernel_module") > 0 && baseline->inventory.count("kernel_module") > 0;
  if (!compare_modules) out.notes.push_back("kernel modules were not compared: they were not listed on " +
                                            std::string(now.count("kernel_module") ? "the baseline's host" : "this host"));
  for (auto kind : kInventoryKinds) {
    std::string k(kind);
    if ((k == "unit" && !compare_units) || (k == "kernel_module" && !compare_modules)) continue;
    static const std::map<std::string, json::object> none;
    auto b = baseline->inventory.find(k);
    auto& before = b == baseline->inventory.end() ? none : b->second;
    auto& after = now[k];
    InventoryDifferences d;
    for (auto& [key, fields] : after) {
      auto it = before.find(key);
      if (it == before.end()) d.added.push_back({key, {}, fields});
      else if (it->second != fields) d.changed.push_back({key, it->second, fields});
    }
    for (auto& [key, fields] : before)
      if (!after.count(key)) d.removed.push_back({key, fields, {}});
    if (!d.empty()) out.inventory[k] = std::move(d);
  }
  return out;
}

}  // namespace responder::baseline
