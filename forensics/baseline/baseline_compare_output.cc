#include "forensics/baseline/baseline_compare_output.h"

#include <set>

#include "forensics/baseline/file_tree_walk.h"

namespace responder::baseline {

std::string inventory_output_key(std::string_view kind) {
  if (kind == "socket") return "sockets";
  if (kind == "unit") return "units";
  if (kind == "account") return "accounts";
  if (kind == "group") return "groups";
  if (kind == "authorized_key") return "authorized_keys";
  if (kind == "cron") return "crontabs";
  if (kind == "kernel_module") return "kernel_modules";
  return std::string(kind);
}

namespace {

// Only the fields that differ (and the size beside a hash), so a host that
// differs in thousands of files still gives a record of moderate size.
json::object differing_fields(const FileEntry& e, const std::vector<std::string>& differs) {
  json::object all = file_json(e), out;
  for (auto& d : differs) {
    if (d == "sha256") {
      out["sha256"] = all["sha256"];
      out["size"] = all["size"];
    } else if (d == "owner") {
      out["uid"] = all["uid"];
      out["owner"] = all["owner"];
    } else if (d == "group") {
      out["gid"] = all["gid"];
      out["group"] = all["group"];
    } else if (auto* v = all.if_contains(d)) {
      out[d] = *v;
    }
  }
  return out;
}

}  // namespace

json::object comparison_output(const BaselineComparison& c, const Verdict& verdict) {
  bool truncated = false;
  auto capped = [&](std::size_t n) {
    if (n > kMaxListed) truncated = true;
    return std::min(n, kMaxListed);
  };
  json::object out;
  out["verdict"] = verdict.verdict;
  json::array rules;
  for (auto& r : verdict.rules) {
    json::object o;
    o["rule"] = r.rule;
    o["verdict"] = r.verdict;
    o["reason"] = r.reason;
    o["count"] = r.items.size();
    json::array items;
    for (std::size_t i = 0; i < capped(r.items.size()); ++i) items.emplace_back(r.items[i]);
    o["items"] = std::move(items);
    rules.push_back(std::move(o));
  }
  out["rules"] = std::move(rules);
  if (c.had_baseline) out["baseline"] = json::object{{"host", c.baseline_host}, {"time", c.baseline_time}};
  else out["baseline"] = nullptr;
  out["paths"] = string_array(c.paths);

  json::array changed;
  for (std::size_t i = 0; i < capped(c.changed.size()); ++i) {
    auto& ch = c.changed[i];
    json::object o;
    json::object identity = file_json(ch.host);
    if (auto* path = identity.if_contains("path")) o["path"] = *path;
    else o["path_hex"] = identity.at("path_hex");
    o["type"] = type_name(ch.host.type);
    o["differs"] = string_array(ch.differs);
    o["baseline"] = differing_fields(ch.baseline, ch.differs);
    o["host"] = differing_fields(ch.host, ch.differs);
    o["package"] = ch.package;
    o["conffile"] = ch.conffile;
    o["matches_package"] = ch.matches_package;
    changed.push_back(std::move(o));
  }
  out["changed"] = std::move(changed);
  for (auto [key, list] : {std::pair{"added", &c.added}, std::pair{"removed", &c.removed}}) {
    json::array a;
    for (std::size_t i = 0; i < capped(list->size()); ++i) a.push_back(file_json((*list)[i]));
    out[key] = std::move(a);
  }
  json::array setid;
  for (std::size_t i = 0; i < capped(c.new_setid.size()); ++i) setid.push_back(file_json(c.new_setid[i]));
  out["new_setid"] = std::move(setid);

  json::object packages;
  packages["checked"] = c.packages_checked;
  packages["packages"] = c.packages;
  packages["files"] = c.packaged_files;
  json::array binaries, conffiles, missing;
  for (auto& m : c.package_mismatches) {
    json::object o{{"path", m.path}, {"package", m.package}, {"problem", m.problem}, {"conffile", m.conffile}};
    auto& list = m.problem == "missing" ? missing : m.conffile ? conffiles : binaries;
    if (list.size() < kMaxListed) list.push_back(std::move(o));
    else truncated = true;
  }
  packages["changed"] = std::move(binaries);
  packages["changed_conffiles"] = std::move(conffiles);
  packages["missing"] = std::move(missing);
  out["packages"] = std::move(packages);

  for (auto kind : kInventoryKinds) {
    json::object o;
    json::array added, changed_items, removed;
    if (auto it = c.inventory.find(std::string(kind)); it != c.inventory.end()) {
      for (std::size_t i = 0; i < capped(it->second.added.size()); ++i) added.push_back(it->second.added[i].host);
      for (std::size_t i = 0; i < capped(it->second.changed.size()); ++i)
        changed_items.push_back(json::object{{"key", it->second.changed[i].key},
                                             {"baseline", it->second.changed[i].baseline},
                                             {"host", it->second.changed[i].host}});
      for (std::size_t i = 0; i < capped(it->second.removed.size()); ++i) removed.push_back(it->second.removed[i].baseline);
    }
    o["added"] = std::move(added);
    o["changed"] = std::move(changed_items);
    o["removed"] = std::move(removed);
    out[inventory_output_key(kind)] = std::move(o);
  }

  // What evidence.collect should preserve before anyone rebuilds: files
  // whose contents, capabilities or set-id bits are not what they should be.
  std::set<std::string> tampered;
  for (auto& ch : c.changed)
    for (auto& d : ch.differs)
      if (d == "sha256" || d == "caps" || d == "type" || (d == "mode" && ch.host.setid())) tampered.insert(ch.host.path);
  for (auto& m : c.package_mismatches)
    if (m.problem == "md5" || m.problem == "not a regular file") tampered.insert(m.path);
  for (auto& f : c.new_setid) tampered.insert(f.path);
  for (auto& f : c.added)
    if (!f.caps.empty()) tampered.insert(f.path);
  json::array t;
  for (auto& p : tampered) {
    if (t.size() >= kMaxListed) {
      truncated = true;
      break;
    }
    t.emplace_back(path_as_glob(on_disk(c.root, p)));
  }
  out["tampered"] = std::move(t);

  json::object counts;
  counts["changed"] = c.changed.size();
  counts["added"] = c.added.size();
  counts["removed"] = c.removed.size();
  counts["new_setid"] = c.new_setid.size();
  counts["package_mismatches"] = c.package_mismatches.size();
  counts["tampered"] = tampered.size();
  counts["files_checked"] = c.files_checked;
  counts["bytes_hashed"] = c.bytes_hashed;
  out["counts"] = std::move(counts);
  out["truncated"] = truncated;
  out["notes"] = string_array(c.notes);
  // Paths in rules, notes and package lists are the host's bytes: the
  // record must stay valid JSON text whatever a file is called.
  json::value whole(std::move(out));
  make_valid_utf8(whole);
  return std::move(whole.get_object());
}

std::vector<std::string> comparison_summary(const BaselineComparison& c, const Verdict& verdict) {
  std::vector<std::string> lines;
  std::string against = c.had_baseline ? "the baseline of " + c.baseline_host + " (" + c.baseline_time + ")" : "no baseline";
  if (c.packages_checked) against += (c.had_baseline ? " and " : ", only ") + std::string("the package database");
  lines.push_back("baseline: " + verdict.verdict + " - " + std::to_string(c.files_checked) + " objects compared with " + against +
                  ": " + std::to_string(c.changed.size()) + " changed, " + std::to_string(c.added.size()) + " added, " +
                  std::to_string(c.removed.size()) + " removed, " + std::to_string(c.package_mismatches.size()) +
                  " packaged files not as installed");
  for (auto& r : verdict.rules) {
    std::string items;
    for (std::size_t i = 0; i < r.items.size() && i < 3; ++i) items += (i ? ", " : "") + r.items[i];
    if (r.items.size() > 3) items += ", and " + std::to_string(r.items.size() - 3) + " more";
    lines.push_back("  " + r.verdict + " " + r.rule + ": " + items);
  }
  for (auto& line : lines) line = valid_utf8_text(line);
  return lines;
}

}  // namespace responder::baseline
