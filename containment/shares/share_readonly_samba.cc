// share.readonly, Samba shares: smb.conf gets `read only = yes` and an empty
// `write list =` at the end of each share's section (see
// samba_share_config.h), smbd reloads it, and every open connection to the
// share is closed, because smbd decides read-only at tree connect: a client
// connected before the reload would otherwise keep writing. Clients reconnect
// by themselves and get a read-only tree.
//
// Undo puts smb.conf back byte for byte and reloads; connections made while
// the share was read-only stay read-only until the client reconnects.
#include "containment/file_snapshot.h"
#include "containment/shares/samba_control.h"
#include "containment/shares/samba_share_config.h"
#include "containment/shares/share_readonly_part.h"
#include "responder/sha256.h"

namespace responder::shares {
namespace {

struct SambaIntent {
  std::filesystem::path config;
  std::vector<std::string> targets, change, already;
  FileSnapshot prior;
  std::string edited;  // the new file; empty when nothing changes
};

Result<SambaIntent> read_intent(const json::object& params, const StepContext& context) {
  SambaIntent in;
  in.config = std::string(params.at("samba_config").as_string());
  in.targets = string_list(params, "samba");
  auto prior = snapshot_file(in.config);
  if (!prior) return prior.error();
  if (!prior->existed) return bad_input("Samba configuration " + in.config.string() + " does not exist");
  in.prior = std::move(*prior);
  // The file check comes first: it names unknown shares and refuses the
  // registry before testparm is asked about a share it cannot see.
  auto checked = samba_config_with_read_only_shares(in.prior.content, in.targets, "", in.config);
  if (!checked) return checked.error();
  for (auto& share : in.targets) {
    auto read_only = samba_share_read_only(in.config, share);
    if (!read_only) return read_only.error();
    (*read_only ? in.already : in.change).push_back(share);
  }
  if (!in.change.empty()) {
    auto edited = samba_config_with_read_only_shares(in.prior.content, in.change, change_marker(context), in.config);
    if (!edited) return edited.error();
    in.edited = std::move(*edited);
  }
  return in;
}

json::object entry_of(const SambaIntent& in) {
  return json::object{{"config", in.config.string()}, {"targets", json_strings(in.targets)},
                      {"change", json_strings(in.change)}};
}

class SambaReadOnly final : public ReadOnlyPart {
 public:
  const char* key() const override { return "samba"; }

  Result<json::object> plan(const json::object& params, const StepContext& context,
                            std::vector<std::string>& lines) const override {
    auto in = read_intent(params, context);
    if (!in) return in.error();
    for (auto& share : in->change)
      lines.push_back("Samba share [" + share + "]: append `read only = yes` and `write list =` to its section in " +
                      in->config.string() + ", reload smbd and close its open connections");
    for (auto& share : in->already) lines.push_back("Samba share [" + share + "] is already read-only");
    auto entry = entry_of(*in);
    if (!in->change.empty()) {
      entry["prior"] = in->prior.to_json();
      entry["edited_sha256"] = sha256_hex(in->edited);
    }
    return entry;
  }

  Result<json::object> apply(const json::object& params, const StepContext& context,
                             std::vector<std::string>& changes) const override {
    auto in = read_intent(params, context);
    if (!in) return in.error();
    auto entry = entry_of(*in);
    for (auto& share : in->already) changes.push_back("Samba share [" + share + "] was already read-only");
    if (in->change.empty()) return entry;
    if (auto written = replace_file(in->config, in->edited, in->prior.mode, in->prior.owner, in->prior.group); !written)
      return written.error();
    entry["prior"] = in->prior.to_json();
    entry["written_sha256"] = sha256_hex(in->edited);
    auto undo_now = [&](const Error& why) -> Error {
      auto undone = undo(entry);
      if (!undone) return failure(why.message + "; putting " + in->config.string() + " back failed too: " + undone.error().message);
      return why;
    };
    // testparm sees includes and later sections too: the file must now
    // really say read-only for every share before smbd is told to reload.
    for (auto& share : in->change) {
      auto read_only = samba_share_read_only(in->config, share);
      if (!read_only) return undo_now(read_only.error());
      if (!*read_only)
        return undo_now(failure("Samba share [" + share + "] is still writable after editing " + in->config.string() +
                                " (an include or a later section overrides it); " + in->config.string() + " is restored"));
    }
    auto reload = reload_smbd(in->config);
    if (!reload) return undo_now(reload.error());
    for (auto& share : in->change) {
      if (*reload == SmbdReload::reloaded)
        if (auto closed = close_samba_share(in->config, share); !closed) return undo_now(closed.error());
      changes.push_back("Samba share [" + share + "] is read-only in " + in->config.string() +
                        (*reload == SmbdReload::reloaded ? "; smbd reloaded it and closed its open connections"
                                                         : "; no smbd runs with that configuration, it applies when smbd starts"));
    }
    return entry;
  }

  Status check_undo(const json::object& undo) const override {
    if (!undo.contains("prior")) return Status::success();
    return refuse_if_edited(std::string(undo.at("config").as_string()), undo.at("written_sha256").as_string(),
                            "Remove the lines after the share.readonly comment by hand and reload smbd, or put the "
                            "file back yourself");
  }

  Status undo(const json::object& undo) const override {
    if (!undo.contains("prior")) return Status::success();
    auto prior = FileSnapshot::from_json(undo.at("prior").as_object());
    if (!prior) return prior.error();
    if (auto restored = restore_file(*prior); !restored) return restored;
    auto reload = reload_smbd(prior->path);
    if (!reload) return reload.error();
    return Status::success();
  }

  Result<bool> verify(const json::object& entry, std::vector<std::string>& detail) const override {
    std::filesystem::path config = std::string(entry.at("config").as_string());
    bool all = true;
    for (auto& share : string_list(entry, "targets")) {
      auto read_only = samba_share_read_only(config, share);
      if (!read_only) return read_only.error();
      detail.push_back("Samba share [" + share + "] is " + (*read_only ? "read-only" : "writable") + " in " + config.string());
      all = all && *read_only;
    }
    return all;
  }

  Result<std::optional<json::object>> recover(const json::object& planned) const override {
    json::object entry{{"config", planned.at("config")}, {"targets", planned.at("targets")}, {"change", planned.at("change")}};
    if (!planned.contains("prior")) return std::optional<json::object>(entry);
    auto ours = file_still_written(std::string(planned.at("config").as_string()), planned.at("edited_sha256").as_string());
    if (!ours) return ours.error();
    if (!*ours) return std::optional<json::object>();
    entry["prior"] = planned.at("prior");
    entry["written_sha256"] = planned.at("edited_sha256");
    return std::optional<json::object>(entry);
  }
};

}  // namespace

std::unique_ptr<ReadOnlyPart> samba_read_only_part() { return std::make_unique<SambaReadOnly>(); }

}  // namespace responder::shares
