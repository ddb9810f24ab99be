// share.readonly, NFS exports: in /etc/exports and /etc/exports.d/*.exports
// every `rw` option of the named exports becomes `ro` (see
// nfs_exports_edit.h), then `exportfs -ra` re-exports, which also updates
// the export table /var/lib/nfs/etab that verify reads back. A client
// without `rw` is read-only already (exports(5): ro is the default).
//
// Undo puts every edited file back byte for byte and runs `exportfs -ra`.
#include <algorithm>

#include "containment/file_snapshot.h"
#include "containment/shares/nfs_exports_edit.h"
#include "containment/shares/share_readonly_part.h"
#include "responder/child_process.h"
#include "responder/sha256.h"

namespace responder::shares {
namespace {

constexpr char kExportsFile[] = "/etc/exports";
constexpr char kExportsDirectory[] = "/etc/exports.d";
constexpr char kExportTable[] = "/var/lib/nfs/etab";

// The files exportfs reads, in its order.
std::vector<std::filesystem::path> exports_files() {
  std::vector<std::filesystem::path> files{kExportsFile};
  std::vector<std::filesystem::path> extra;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(kExportsDirectory, ec))
    if (e.path().extension() == ".exports") extra.push_back(e.path());
  std::sort(extra.begin(), extra.end());
  files.insert(files.end(), extra.begin(), extra.end());
  return files;
}

struct EditedFile {
  FileSnapshot prior;
  std::string edited;
};

struct NfsIntent {
  std::vector<std::string> targets, change, already;
  std::vector<EditedFile> files;  // only files that change
};

Result<NfsIntent> read_intent(const std::vector<std::string>& targets) {
  NfsIntent in;
  for (auto& t : targets) in.targets.push_back(export_path_key(t));
  std::set<std::string> found;
  std::map<std::string, int> switched;
  for (auto& file : exports_files()) {
    auto prior = snapshot_file(file);
    if (!prior) return prior.error();
    if (!prior->existed) continue;
    auto edit = exports_with_read_only(prior->content, in.targets);
    found.insert(edit.found.begin(), edit.found.end());
    for (auto& [path, n] : edit.switched) switched[path] += n;
    if (edit.text != prior->content) in.files.push_back({std::move(*prior), std::move(edit.text)});
  }
  for (auto& path : in.targets) {
    if (!found.count(path))
      return bad_input("NFS export " + path + " is not in " + kExportsFile + " or " + kExportsDirectory + "/*.exports");
    (switched[path] > 0 ? in.change : in.already).push_back(path);
  }
  return in;
}

Status reexport() {
  std::vector<std::string> argv{"exportfs", "-ra"};
  auto run = run_program(argv, {}, std::chrono::seconds(60));
  if (!run) return run.error();
  if (run->exit_code != 0) return failure("cannot re-export the NFS exports: " + describe_exit(argv, *run));
  return Status::success();
}

class NfsReadOnly final : public ReadOnlyPart {
 public:
  const char* key() const override { return "nfs"; }

  Result<json::object> plan(const json::object& params, const StepContext&, std::vector<std::string>& lines) const override {
    auto in = read_intent(string_list(params, "nfs"));
    if (!in) return in.error();
    for (auto& path : in->change) lines.push_back("NFS export " + path + ": switch rw to ro for its clients");
    for (auto& f : in->files) lines.push_back("edit " + f.prior.path.string());
    if (!in->change.empty()) lines.push_back("run `exportfs -ra`");
    for (auto& path : in->already) lines.push_back("NFS export " + path + " is already read-only (no client has rw)");
    json::array files;
    for (auto& f : in->files) files.push_back(json::object{{"prior", f.prior.to_json()}, {"edited_sha256", sha256_hex(f.edited)}});
    return json::object{{"targets", json_strings(in->targets)}, {"change", json_strings(in->change)}, {"files", files}};
  }

  Result<json::object> apply(const json::object& params, const StepContext&, std::vector<std::string>& changes) const override {
    auto in = read_intent(string_list(params, "nfs"));
    if (!in) return in.error();
    json::object entry{{"targets", json_strings(in->targets)}, {"change", json_strings(in->change)}, {"files", json::array{}}};
    for (auto& path : in->already) changes.push_back("NFS export " + path + " was already read-only");
    if (in->files.empty()) return entry;
    auto undo_now = [&](const Error& why) -> Error {
      auto undone = undo(entry);
      if (!undone) return failure(why.message + "; putting the exports files back failed too: " + undone.error().message);
      return why;
    };
    for (auto& f : in->files) {
      if (auto written = replace_file(f.prior.path, f.edited, f.prior.mode, f.prior.owner, f.prior.group); !written)
        return undo_now(written.error());
      entry["files"].as_array().push_back(json::object{{"prior", f.prior.to_json()}, {"written_sha256", sha256_hex(f.edited)}});
    }
    if (auto exported = reexport(); !exported) return undo_now(exported.error());
    std::vector<std::string> detail;
    auto in_effect = verify(entry, detail);
    if (!in_effect) return undo_now(in_effect.error());
    if (!*in_effect) {
      return undo_now(failure("after `exportfs -ra` the export table still grants rw: " + joined(detail) +
                              "; the exports files are restored"));
    }
    for (auto& path : in->change) changes.push_back("NFS export " + path + " is read-only (exports files edited, exportfs -ra)");
    return entry;
  }

  Status check_undo(const json::object& undo) const override {
    for (auto& f : undo.at("files").as_array()) {
      auto& o = f.as_object();
      std::string path(o.at("prior").as_object().at("path").as_string());
      if (auto ours = refuse_if_edited(path, o.at("written_sha256").as_string(),
                                       "Switch the export back to rw by hand and run `exportfs -ra`");
          !ours)
        return ours;
    }
    return Status::success();
  }

  Status undo(const json::object& undo) const override {
    auto& files = undo.at("files").as_array();
    if (files.empty()) return Status::success();
    for (auto& f : files) {
      auto prior = FileSnapshot::from_json(f.as_object().at("prior").as_object());
      if (!prior) return prior.error();
      if (auto restored = restore_file(*prior); !restored) return restored;
    }
    return reexport();
  }

  Result<bool> verify(const json::object& entry, std::vector<std::string>& detail) const override {
    auto etab = snapshot_file(kExportTable);
    if (!etab) return etab.error();
    auto table = read_export_table(etab->content);
    auto in_files = read_intent(string_list(entry, "targets"));
    if (!in_files) return in_files.error();
    bool all = true;
    for (auto& path : string_list(entry, "targets")) {
      auto exported = table.find(path);
      bool writable = false;
      if (exported != table.end())
        for (auto& client : exported->second) writable = writable || export_entry_writable(client);
      bool file_writable = std::count(in_files->change.begin(), in_files->change.end(), path) > 0;
      if (exported == table.end()) detail.push_back("NFS export " + path + " is not in " + kExportTable);
      else detail.push_back("NFS export " + path + (writable ? " is exported rw" : " is exported ro") + " in " + kExportTable);
      if (file_writable) detail.push_back("NFS export " + path + " has rw in the exports files");
      all = all && !writable && !file_writable;
    }
    return all;
  }

  Result<std::optional<json::object>> recover(const json::object& planned) const override {
    json::object entry{{"targets", planned.at("targets")}, {"change", planned.at("change")}, {"files", json::array{}}};
    for (auto& f : planned.at("files").as_array()) {
      auto& o = f.as_object();
      auto ours = file_still_written(std::string(o.at("prior").as_object().at("path").as_string()),
                                     o.at("edited_sha256").as_string());
      if (!ours) return ours.error();
      if (!*ours) return std::optional<json::object>();
      entry["files"].as_array().push_back(json::object{{"prior", o.at("prior")}, {"written_sha256", o.at("edited_sha256")}});
    }
    return std::optional<json::object>(entry);
  }
};

}  // namespace

std::unique_ptr<ReadOnlyPart> nfs_read_only_part() { return std::make_unique<NfsReadOnly>(); }

}  // namespace responder::shares
