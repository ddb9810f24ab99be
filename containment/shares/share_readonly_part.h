// One kind of thing share.readonly makes read-only: Samba shares, NFS
// exports or mounts. The module runs the parts in that order and undoes them
// in reverse; each part keeps its own plan and receipt entry under its key.
//
// Entries are JSON objects that always hold "targets" (what the step named),
// so that verify works from a receipt's entry and, after a crash, from the
// plan's entry alone.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/module.h"
#include "responder/result.h"

namespace responder::shares {

class ReadOnlyPart {
 public:
  virtual ~ReadOnlyPart() = default;
  // "samba", "nfs" or "mounts": the parameter and the entry key.
  virtual const char* key() const = 0;

  // Reads the current state of the named targets and says what apply would
  // change. The entry holds the prior state (for crash recovery). Changes
  // nothing. bad_input when a target does not exist.
  virtual Result<json::object> plan(const json::object& params, const StepContext& context,
                                    std::vector<std::string>& lines) const = 0;
  // Makes the change that plan() describes now; returns the undo entry. On
  // failure nothing of this part stays changed.
  virtual Result<json::object> apply(const json::object& params, const StepContext& context,
                                     std::vector<std::string>& changes) const = 0;
  // Whether undo could run now (the change is still ours), changing nothing;
  // a refusal names what someone else changed since.
  virtual Status check_undo(const json::object& undo) const = 0;
  // Restores the prior state. Does not check first: the module runs every
  // part's check_undo before undoing any, and apply's rollback undoes what
  // it has just done.
  virtual Status undo(const json::object& undo) const = 0;
  // Reads back from the real component whether every target is read-only.
  virtual Result<bool> verify(const json::object& entry, std::vector<std::string>& detail) const = 0;
  // The undo entry for a change that the plan entry describes and that is
  // found in effect (a crash before the receipt was journaled); nullopt when
  // the state is not exactly what apply would have left.
  virtual Result<std::optional<json::object>> recover(const json::object& planned) const = 0;
};

std::unique_ptr<ReadOnlyPart> samba_read_only_part();
std::unique_ptr<ReadOnlyPart> nfs_read_only_part();
std::unique_ptr<ReadOnlyPart> mount_read_only_part();

// The names in a list parameter or entry field ("samba": ["a", "b"]).
std::vector<std::string> string_list(const json::object& o, std::string_view key);
json::array json_strings(const std::vector<std::string>& values);

// "# responder incident X step Y: share.readonly" text for the lines it writes.
std::string change_marker(const StepContext& context);
// The lines joined with "; ", for one error or detail message.
std::string joined(const std::vector<std::string>& lines);
// Whether `path` holds exactly the bytes whose SHA-256 is `sha256` (what
// this step wrote): false when it is gone or someone edited it since.
Result<bool> file_still_written(const std::string& path, std::string_view sha256);
// check_undo for a file this step wrote: a refusal naming `path`, followed
// by `by_hand` (what to do instead), when it is not file_still_written.
Status refuse_if_edited(const std::string& path, std::string_view sha256, const std::string& by_hand);

}  // namespace responder::shares
