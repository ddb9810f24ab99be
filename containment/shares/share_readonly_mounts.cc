// share.readonly, mounts: the mount at each path is remounted read-only with
// MS_REMOUNT|MS_BIND|MS_RDONLY plus its other per-mount flags (see
// mount_readonly.h), so nothing but "ro" changes and other mounts of the
// same filesystem keep writing. A path that is not a mount point is first
// bind-mounted onto itself, so only that directory becomes read-only.
//
// Undo remounts with exactly the prior flags, or removes the bind mount it
// made; it refuses when the mount at the path is no longer the one it changed.
#include <sys/mount.h>
#include <sys/statvfs.h>

#include <algorithm>

#include "containment/shares/mount_readonly.h"
#include "containment/shares/open_writers.h"
#include "containment/shares/share_readonly_part.h"

namespace responder::shares {
namespace {

struct MountIntent {
  std::string path;          // canonical
  bool mount_point = false;
  int prior_id = 0;          // when mount_point
  std::string prior_options; // when mount_point
  bool already = false;
  // A bind of the path onto itself found where the journaled plan saw no
  // mount: this step's own, left by a crash between binding and remounting.
  bool own_bind = false;
};

Result<std::vector<MountIntent>> read_intent(const std::vector<std::string>& targets) {
  std::vector<MountIntent> out;
  for (auto& target : targets) {
    std::error_code ec;
    auto canonical = std::filesystem::canonical(target, ec);
    if (ec) return bad_input("mount path " + target + " cannot be used: " + ec.message());
    MountIntent in;
    in.path = canonical.string();
    // Two names for one directory change it once.
    if (std::any_of(out.begin(), out.end(), [&](const MountIntent& o) { return o.path == in.path; })) continue;
    auto mount = mount_at(canonical);
    if (!mount) return mount.error();
    if (*mount) {
      in.mount_point = true;
      in.prior_id = (*mount)->id;
      in.prior_options = (*mount)->options;
    }
    struct statvfs st {};
    if (::statvfs(in.path.c_str(), &st) != 0) return failure("cannot stat the filesystem at " + in.path);
    in.already = (st.f_flag & ST_RDONLY) != 0;
    out.push_back(std::move(in));
  }
  return out;
}

// A resumed step finds the bind mount it made before a crash (the plan saw
// no mount at the path, now a bind of the path onto itself is there): it is
// taken over, so the receipt says "bound" and undo removes it. Any other
// mount that appeared since the plan is refused: it is not ours to change.
Status adopt_own_binds(std::vector<MountIntent>& intents, const StepContext& context) {
  if (!context.planned) return Status::success();
  auto* part = context.planned->if_contains("mounts");
  auto* items = part && part->is_object() ? part->get_object().if_contains("items") : nullptr;
  if (!items || !items->is_array()) return Status::success();
  for (auto& in : intents) {
    if (!in.mount_point) continue;
    for (auto& item : items->get_array()) {
      auto& o = item.as_object();
      if (o.at("path").as_string() != in.path || o.at("mount_point").as_bool()) continue;
      auto mount = mount_at(in.path);
      if (!mount) return mount.error();
      in.mount_point = false;
      if (!*mount) break;  // gone again since read_intent: bind it as planned
      auto self = is_self_bind(**mount);
      if (!self) return self.error();
      if (!*self)
        return refusal("the plan found no mount at " + in.path + ", now there is one that share.readonly did not " +
                       "make (mount ID " + std::to_string((*mount)->id) + "); plan the step again");
      in.own_bind = true;
      break;
    }
  }
  return Status::success();
}

bool kill_writers(const json::object& params) {
  auto* v = params.if_contains("kill_writers");
  return v && v->is_bool() && v->get_bool();
}

json::object targets_entry(const json::object& params) {
  json::array targets;
  for (auto& t : string_list(params, "mounts")) {
    std::error_code ec;
    auto canonical = std::filesystem::canonical(t, ec);
    targets.emplace_back(ec ? t : canonical.string());
  }
  return json::object{{"targets", targets}, {"change", json::array{}}, {"items", json::array{}}};
}

class MountReadOnly final : public ReadOnlyPart {
 public:
  const char* key() const override { return "mounts"; }

  Result<json::object> plan(const json::object& params, const StepContext&, std::vector<std::string>& lines) const override {
    auto intents = read_intent(string_list(params, "mounts"));
    if (!intents) return intents.error();
    auto entry = targets_entry(params);
    for (auto& in : *intents) {
      if (in.already) {
        lines.push_back(in.path + " is already read-only");
        continue;
      }
      lines.push_back(in.mount_point ? "remount " + in.path + " read-only (now " + in.prior_options + ")"
                                     : in.path + " is not a mount point: bind-mount it onto itself and make that read-only");
      if (auto writers = open_writers_under(in.path); !writers.empty())
        lines.push_back("open for writing there now: " + describe_writers(writers) +
                        (kill_writers(params) ? "; kill_writers: they are ended first"
                                              : "; the remount fails while they are (kill_writers: true ends them first)"));
      entry["change"].as_array().emplace_back(in.path);
      entry["items"].as_array().push_back(json::object{{"path", in.path}, {"mount_point", in.mount_point},
                                                       {"prior_id", in.prior_id}, {"prior_options", in.prior_options}});
    }
    return entry;
  }

  Result<json::object> apply(const json::object& params, const StepContext& context,
                             std::vector<std::string>& changes) const override {
    auto intents = read_intent(string_list(params, "mounts"));
    if (!intents) return intents.error();
    if (auto adopted = adopt_own_binds(*intents, context); !adopted) return adopted.error();
    auto entry = targets_entry(params);
    auto undo_now = [&](const Error& why) -> Error {
      auto undone = undo(entry);
      if (!undone) return failure(why.message + "; undoing the mounts changed before failed too: " + undone.error().message);
      return why;
    };
    for (auto& in : *intents) {
      // An own bind already read-only (the crash came after its remount) is
      // recorded like one made now, so that undo removes it.
      if (in.already && !in.own_bind) {
        changes.push_back(in.path + " was already read-only");
        continue;
      }
      if (!in.mount_point && !in.own_bind) {
        if (auto bound = bind_onto_itself(in.path); !bound) return undo_now(bound.error());
      }
      auto mount = mount_at(in.path);
      if (!mount || !*mount) {
        if (!in.mount_point) (void)remove_self_bind(in.path);
        return undo_now(mount ? failure("no mount at " + in.path + " after bind-mounting it onto itself") : mount.error());
      }
      if (!options_read_only((*mount)->options)) {
        // What holds the volume writable is named, and with kill_writers
        // ended (a process cannot be given back: the change says so).
        auto writers = open_writers_under(in.path);
        if (!writers.empty() && kill_writers(params)) {
          if (auto ended = end_writers(writers); !ended) {
            if (!in.mount_point) (void)remove_self_bind(in.path);
            return undo_now(ended.error());
          }
          for (auto& w : writers)
            changes.push_back("ended pid " + std::to_string(w.pid) + " (" + w.command + ", user " + w.user + "), which held " +
                              w.file + " open for writing (kill_writers; not undone)");
          writers = open_writers_under(in.path);
        }
        if (auto remounted = remount(in.path, remount_flags_of((*mount)->options) | MS_RDONLY); !remounted) {
          if (!in.mount_point) (void)remove_self_bind(in.path);
          Error why = remounted.error();
          if (!writers.empty())
            why.message += "; open for writing: " + describe_writers(writers) +
                           (kill_writers(params) ? "" : "; end them first (account.lock with kill_sessions) or set kill_writers: true");
          return undo_now(why);
        }
      }
      bool bound = !in.mount_point;
      entry["change"].as_array().emplace_back(in.path);
      entry["items"].as_array().push_back(json::object{{"path", in.path}, {"bound", bound},
                                                       {"mount_id", (*mount)->id}, {"prior_options", (*mount)->options}});
      changes.push_back(!bound ? "remounted " + in.path + " read-only (was " + (*mount)->options + ")"
                               : "bind-mounted " + in.path + " onto itself read-only");
    }
    return entry;
  }

  Status check_undo(const json::object& undo) const override {
    for (auto& item : undo.at("items").as_array()) {
      auto& o = item.as_object();
      std::string path(o.at("path").as_string());
      auto mount = mount_at(path);
      if (!mount) return mount.error();
      if (!*mount || (*mount)->id != o.at("mount_id").to_number<int>())
        return refusal("the mount at " + path + " is not the one share.readonly made read-only (mount ID " +
                       std::to_string(o.at("mount_id").to_number<int>()) + "); someone unmounted or replaced it");
    }
    return Status::success();
  }

  Status undo(const json::object& undo) const override {
    auto& items = undo.at("items").as_array();
    for (auto it = items.rbegin(); it != items.rend(); ++it) {
      auto& o = it->as_object();
      std::string path(o.at("path").as_string());
      Status done = o.at("bound").as_bool() ? remove_self_bind(path)
                                            : remount(path, remount_flags_of(std::string(o.at("prior_options").as_string())));
      if (!done) return done;
    }
    return Status::success();
  }

  Result<bool> verify(const json::object& entry, std::vector<std::string>& detail) const override {
    bool all = true;
    for (auto& path : string_list(entry, "targets")) {
      auto mount = mount_at(path);
      if (!mount) return mount.error();
      // mountinfo's per-mount "ro" is what apply sets; statvfs also counts a
      // read-only filesystem under a path that is not a mount point.
      struct statvfs st {};
      bool read_only = (*mount && options_read_only((*mount)->options)) ||
                       (::statvfs(path.c_str(), &st) == 0 && (st.f_flag & ST_RDONLY));
      detail.push_back(path + (read_only ? " is read-only" : " is writable") +
                       (*mount ? " (mountinfo: " + (*mount)->options + ")" : " (not a mount point)"));
      all = all && read_only;
    }
    return all;
  }

  Result<std::optional<json::object>> recover(const json::object& planned) const override {
    json::object entry{{"targets", planned.at("targets")}, {"change", planned.at("change")}, {"items", json::array{}}};
    for (auto& item : planned.at("items").as_array()) {
      auto& o = item.as_object();
      std::string path(o.at("path").as_string());
      auto mount = mount_at(path);
      if (!mount) return mount.error();
      if (!*mount || !options_read_only((*mount)->options)) return std::optional<json::object>();
      bool was_mount_point = o.at("mount_point").as_bool();
      // A remount keeps the mount ID; a bind mount of our own is a new one,
      // of the path onto itself: any other mount there is not ours to undo.
      if (was_mount_point && (*mount)->id != o.at("prior_id").to_number<int>()) return std::optional<json::object>();
      if (!was_mount_point) {
        auto self = is_self_bind(**mount);
        if (!self) return self.error();
        if (!*self) return std::optional<json::object>();
      }
      entry["items"].as_array().push_back(json::object{
          {"path", path}, {"bound", !was_mount_point}, {"mount_id", (*mount)->id},
          {"prior_options", was_mount_point ? o.at("prior_options") : json::value((*mount)->options)}});
    }
    return std::optional<json::object>(entry);
  }
};

}  // namespace

std::unique_ptr<ReadOnlyPart> mount_read_only_part() { return std::make_unique<MountReadOnly>(); }

}  // namespace responder::shares
