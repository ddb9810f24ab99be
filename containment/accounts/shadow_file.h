// /etc/shadow as lines of fields, edited in memory and written back whole.
//
// Lines nobody edits are written back byte for byte (comments, NIS entries,
// odd spacing and the final newline or its absence included), so that a
// change and its undo leave the file exactly as it was.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "containment/file_snapshot.h"
#include "responder/result.h"

namespace responder::accounts {

// Field positions of a shadow(5) entry.
enum class ShadowField : std::size_t {
  name = 0,
  password = 1,
  last_change = 2,
  expire = 7,
};

// Whether a password field is locked the way `usermod -L` (and account.lock)
// locks it: a '!' in front of the hash.
inline bool password_locked(std::string_view field) { return !field.empty() && field.front() == '!'; }

class ShadowFile {
 public:
  static constexpr const char* kDefaultPath = "/etc/shadow";

  // Reads the file whole. Fails naming the file when it cannot be read.
  static Result<ShadowFile> read(const std::filesystem::path& path = kDefaultPath);

  const std::filesystem::path& path() const { return snapshot_.path; }
  bool has(const std::string& user) const { return find(user).has_value(); }
  // The field of the user's entry; fails naming the user when there is no
  // such entry or it has too few fields to hold it.
  Result<std::string> field(const std::string& user, ShadowField which) const;
  // Sets the field of the user's entry (which must exist: call field first).
  Status set_field(const std::string& user, ShadowField which, const std::string& value);

  // The whole file as it now stands.
  std::string text() const;
  // Replaces the file atomically with text(), keeping its mode and owner
  // (root:shadow 0640 on Debian). The caller holds the ShadowLock.
  Status write() const;

 private:
  std::optional<std::size_t> find(const std::string& user) const;

  FileSnapshot snapshot_;
  std::vector<std::string> lines_;  // without their newlines
  bool final_newline_ = true;
};

}  // namespace responder::accounts
