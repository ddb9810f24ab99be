// share.readonly: makes file shares read-only during containment - Samba
// shares, NFS exports and mounts - and puts back exactly what was there.
//
// The parts (share_readonly_samba.cc, _nfs.cc, _mounts.cc) run in that
// order. Nothing stays half-applied: when one part fails, the parts already
// applied are undone before the error is returned. Undo runs the parts in
// reverse, and first checks that every change is still ours (files unchanged
// since we wrote them, the same mount), so it either undoes all or refuses
// before touching anything.
//
// Samba sessions: smbd decides read-only at tree connect, so after the
// reload every open connection to the share is closed (`smbcontrol smbd
// close-share`); clients reconnect and get a read-only tree.
//
// Registry-backed Samba configuration (`config backend = registry`,
// `include = registry`) is refused: this module edits smb.conf only.
#include "containment/file_snapshot.h"
#include "containment/shares/share_readonly_part.h"
#include "responder/sha256.h"
#include "responder/schema.h"

namespace responder::shares {

std::vector<std::string> string_list(const json::object& o, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = o.if_contains(key); v && v->is_array())
    for (auto& item : v->as_array())
      if (item.is_string()) out.emplace_back(item.as_string());
  return out;
}

json::array json_strings(const std::vector<std::string>& values) {
  json::array a;
  for (auto& v : values) a.emplace_back(v);
  return a;
}

std::string change_marker(const StepContext& context) {
  return "responder incident " + (context.incident_id.empty() ? std::string("(none)") : context.incident_id) + " step " +
         (context.step_id.empty() ? std::string("(none)") : context.step_id) +
         ": share.readonly made this share read-only; undo removes these lines";
}

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (auto& l : lines) text += (text.empty() ? "" : "; ") + l;
  return text;
}

Result<bool> file_still_written(const std::string& path, std::string_view sha256) {
  auto now = snapshot_file(path);
  if (!now) return now.error();
  return now->existed && sha256_hex(now->content) == sha256;
}

Status refuse_if_edited(const std::string& path, std::string_view sha256, const std::string& by_hand) {
  auto ours = file_still_written(path, sha256);
  if (!ours) return ours.error();
  if (!*ours) return refusal(path + " changed since share.readonly wrote it; not overwriting someone's edit. " + by_hand);
  return Status::success();
}

namespace {

std::vector<std::unique_ptr<ReadOnlyPart>> all_parts() {
  std::vector<std::unique_ptr<ReadOnlyPart>> parts;
  parts.push_back(samba_read_only_part());
  parts.push_back(nfs_read_only_part());
  parts.push_back(mount_read_only_part());
  return parts;
}

bool named(const json::object& params, const ReadOnlyPart& part) { return !string_list(params, part.key()).empty(); }

class ShareReadOnly final : public Module {
 public:
  std::string_view name() const override { return "share.readonly"; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    PlanResult plan;
    for (auto& part : all_parts()) {
      if (!named(params, *part)) continue;
      auto entry = part->plan(params, context, plan.changes);
      if (!entry) return entry.error();
      plan.detail[part->key()] = std::move(*entry);
    }
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    Receipt receipt;
    std::vector<std::pair<const ReadOnlyPart*, json::object>> applied;
    auto parts = all_parts();
    for (auto& part : parts) {
      if (!named(params, *part)) continue;
      auto entry = part->apply(params, context, receipt.changes);
      if (!entry) {
        Error error = entry.error();
        for (auto it = applied.rbegin(); it != applied.rend(); ++it)
          if (auto undone = it->first->undo(it->second); !undone)
            error.message += "; undoing the " + std::string(it->first->key()) + " part failed too: " + undone.error().message;
        return error;
      }
      receipt.output[part->key()] = entry->at("change");
      receipt.undo[part->key()] = *entry;
      applied.emplace_back(part.get(), std::move(*entry));
    }
    return receipt;
  }

  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object& planned,
                              StepContext&) const override {
    const json::object& entries = receipt ? receipt->undo : planned;
    Verification v;
    std::vector<std::string> detail;
    bool all = true, any = false;
    for (auto& part : all_parts()) {
      auto* entry = entries.if_contains(part->key());
      if (!entry) continue;
      any = true;
      auto in_effect = part->verify(entry->as_object(), detail);
      if (!in_effect) return in_effect.error();
      all = all && *in_effect;
    }
    v.in_effect = any && all;
    v.detail = any ? joined(detail) : "nothing to verify: neither receipt nor plan names a share";
    if (receipt || !v.in_effect) return v;

    // After a crash: the change is in effect; rebuild the receipt from the
    // plan, but only when the state is exactly what apply leaves behind.
    Receipt recovered;
    for (auto& part : all_parts()) {
      auto* entry = planned.if_contains(part->key());
      if (!entry) continue;
      auto undo = part->recover(entry->as_object());
      if (!undo) return undo.error();
      if (!*undo) {
        v.in_effect = false;
        v.detail += "; the " + std::string(part->key()) + " state is not what share.readonly leaves, so there is no exact undo to recover";
        return v;
      }
      recovered.output[part->key()] = (*undo)->at("change");
      recovered.undo[part->key()] = std::move(**undo);
    }
    recovered.changes.push_back("recovered after a crash: " + v.detail);
    v.recovered = std::move(recovered);
    return v;
  }

  // From what undo acted on (the receipt's undo part), so that a receipt
  // rebuilt after a crash says the same; processes ended are named from its
  // lines, since nothing brings them back.
  std::vector<std::string> undone_lines(const Receipt& receipt) const override {
    std::vector<std::string> lines;
    auto text = [](const json::object& o, const char* key) {
      auto* v = o.if_contains(key);
      return v && v->is_string() ? std::string(v->get_string()) : std::string();
    };
    auto part = [&](const char* key) -> const json::object* {
      auto* v = receipt.undo.if_contains(key);
      return v && v->is_object() ? &v->get_object() : nullptr;
    };
    auto changed = [](const json::object& entry) {
      std::vector<std::string> names;
      if (auto* c = entry.if_contains("change"); c && c->is_array())
        for (auto& n : c->get_array())
          if (n.is_string()) names.emplace_back(n.get_string());
      return names;
    };
    if (auto* samba = part("samba"))
      for (auto& share : changed(*samba)) lines.push_back("Samba share [" + share + "] is writable again (its configuration as before)");
    if (auto* nfs = part("nfs"))
      for (auto& path : changed(*nfs)) lines.push_back("NFS export " + path + " is writable again (exports as before, exportfs -ra)");
    if (auto* mounts = part("mounts"))
      if (auto* items = mounts->if_contains("items"); items && items->is_array())
        for (auto& item : items->get_array()) {
          if (!item.is_object()) continue;
          const auto& o = item.get_object();
          auto* bound = o.if_contains("bound");
          if (bound && bound->is_bool() && bound->get_bool())
            lines.push_back("removed the read-only bind mount of " + text(o, "path") + "; writable again");
          else
            lines.push_back("remounted " + text(o, "path") + " as before (" + text(o, "prior_options") + ")");
        }
    for (auto& change : receipt.changes)
      if (change.starts_with("ended pid ")) lines.push_back("not given back: " + change);
    if (lines.empty()) lines.push_back("nothing to give back: every share was already read-only");
    return lines;
  }

  Status undo(const Receipt& receipt, StepContext&) const override {
    auto parts = all_parts();
    for (auto& part : parts)
      if (auto* entry = receipt.undo.if_contains(part->key()))
        if (auto ours = part->check_undo(entry->as_object()); !ours) return ours;
    std::vector<std::string> failures;
    for (auto it = parts.rbegin(); it != parts.rend(); ++it)
      if (auto* entry = receipt.undo.if_contains((*it)->key()))
        if (auto undone = (*it)->undo(entry->as_object()); !undone) failures.push_back(undone.error().message);
    if (!failures.empty()) return failure(joined(failures));
    return Status::success();
  }
};

RESPONDER_MODULE(ShareReadOnly);

}  // namespace
}  // namespace responder::shares
