#include "forensics/baseline/baseline_verdict.h"

#include <algorithm>

#include "forensics/baseline/local_accounts.h"

namespace responder::baseline {
namespace {

std::int64_t int_field(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return -1;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return -1;
}

std::vector<std::string> members(const json::object& o) {
  std::vector<std::string> out;
  if (auto* m = o.if_contains("members"); m && m->is_array())
    for (auto& v : m->get_array())
      if (v.is_string()) out.emplace_back(v.get_string());
  return out;
}

}  // namespace

bool is_binary(const FileEntry& e) {
  if (e.type != FileEntry::Type::file) return false;
  if (e.mode & 0111) return true;
  auto name = e.path.substr(e.path.rfind('/') + 1);
  return name.size() > 3 && (name.ends_with(".so") || name.find(".so.") != std::string::npos || name.ends_with(".ko") ||
                             name.rfind("vmlinuz", 0) == 0 || name.rfind("initrd", 0) == 0);
}

Verdict decide_verdict(const BaselineComparison& c) {
  Verdict v;
  auto add = [&](std::string rule, const char* verdict, std::string reason, std::vector<std::string> items) {
    if (items.empty()) return;
    v.rules.push_back({std::move(rule), verdict, std::move(reason), std::move(items)});
  };
  std::vector<std::string> packaged_binaries, conffiles, missing;
  for (auto& m : c.package_mismatches) {
    std::string item = m.path + " (" + m.package + ": " + m.problem + ")";
    if (m.problem == "missing") missing.push_back(item);
    else if (m.conffile) conffiles.push_back(item);
    else packaged_binaries.push_back(item);
  }
  std::vector<std::string> binaries, capabilities, other_changes;
  for (auto& ch : c.changed) {
    bool contents = std::find(ch.differs.begin(), ch.differs.end(), "sha256") != ch.differs.end() ||
                    std::find(ch.differs.begin(), ch.differs.end(), "type") != ch.differs.end();
    std::string item = ch.host.path + " (" + comma_joined(ch.differs) + ")";
    if (!ch.host.caps.empty() && ch.host.caps != ch.baseline.caps) capabilities.push_back(ch.host.path);
    // A packaged file that is not what its package installed is judged by
    // the package rule above; one that is (an upgrade) is only suspect.
    if (contents && (is_binary(ch.baseline) || is_binary(ch.host)) && ch.package.empty()) binaries.push_back(item);
    else other_changes.push_back(item);
  }
  for (auto& a : c.added)
    if (!a.caps.empty()) capabilities.push_back(a.path);
  std::vector<std::string> setid;
  for (auto& f : c.new_setid) setid.push_back(f.path + " (mode " + mode_text(f.mode) + ", owner " + (f.owner.empty() ? std::to_string(f.uid) : f.owner) + ")");

  std::vector<std::string> root_accounts, root_keys;
  if (auto it = c.inventory.find("account"); it != c.inventory.end()) {
    for (auto& a : it->second.added)
      if (int_field(a.host, "uid") == 0) root_accounts.push_back("account " + a.key + " with uid 0");
    for (auto& a : it->second.changed)
      if (int_field(a.host, "uid") == 0 && int_field(a.baseline, "uid") != 0) root_accounts.push_back("account " + a.key + " now has uid 0");
  }
  if (auto it = c.inventory.find("group"); it != c.inventory.end()) {
    auto check = [&](const InventoryChange& g) {
      if (!is_administrative_group(g.key)) return;
      auto before = members(g.baseline);
      for (auto& m : members(g.host))
        if (std::find(before.begin(), before.end(), m) == before.end()) root_accounts.push_back(m + " added to group " + g.key);
    };
    for (auto& g : it->second.added) check(g);
    for (auto& g : it->second.changed) check(g);
  }
  if (auto it = c.inventory.find("authorized_key"); it != c.inventory.end())
    for (auto& k : it->second.added)
      if (int_field(k.host, "uid") == 0) root_keys.push_back(k.key);

  // A file that cannot be read cannot be vouched for: a rootkit that makes
  // open(2) fail on its files would otherwise leave a clean verdict.
  std::vector<std::string> unreadable = c.unreadable;
  if (c.unreadable_count > c.unreadable.size())
    unreadable.push_back("and " + std::to_string(c.unreadable_count - c.unreadable.size()) + " more");
  add("object-unreadable", "suspect", "a file in scope could not be read, so it was not checked", unreadable);
  add("packaged-binary-changed", "rebuild", "a packaged file is not what its package installed", packaged_binaries);
  add("binary-changed", "rebuild", "an executable or library differs from the baseline and no package explains it", binaries);
  add("new-setid-file", "rebuild", "a set-uid or set-gid file that the baseline does not have", setid);
  add("new-file-capabilities", "rebuild", "a file gained capabilities", capabilities);
  add("new-root-account", "rebuild", "a new account with root's powers", root_accounts);
  add("new-root-key", "rebuild", "a new key may log in as root", root_keys);
  add("conffile-changed", "suspect", "a configuration file differs from what its package installed (administrators may change these)", conffiles);
  add("packaged-file-missing", "suspect", "a packaged file is missing", missing);
  add("file-changed", "suspect", "a file differs from the baseline", other_changes);
  std::vector<std::string> added, removed;
  for (auto& a : c.added) added.push_back(a.path);
  for (auto& r : c.removed) removed.push_back(r.path);
  add("file-added", "suspect", "a file the baseline does not have", added);
  add("file-removed", "suspect", "a file of the baseline is gone", removed);
  for (auto& [kind, d] : c.inventory) {
    std::vector<std::string> a, ch, r;
    for (auto& x : d.added) a.push_back(x.key);
    for (auto& x : d.changed) ch.push_back(x.key);
    for (auto& x : d.removed) r.push_back(x.key);
    std::string what = kind == "authorized_key" ? "authorized key" : kind == "kernel_module" ? "kernel module" : kind;
    add(kind + "-added", "suspect", "a " + what + " the baseline does not have", a);
    add(kind + "-changed", "suspect", "a " + what + " that differs from the baseline", ch);
    add(kind + "-removed", "suspect", "a " + what + " of the baseline is gone", r);
  }
  for (auto& rule : v.rules) {
    if (rule.verdict == "rebuild") v.verdict = "rebuild";
    else if (v.verdict == "clean") v.verdict = "suspect";
  }
  return v;
}

}  // namespace responder::baseline
