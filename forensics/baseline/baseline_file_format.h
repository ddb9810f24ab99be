// The baseline file: what a known-good host looked like, in one place.
//
// A baseline is two files:
//
//   FILE       gzip-compressed JSON Lines (zlib, RFC 1952). The first line is
//              the header, every later line one record:
//                {"format":"responder-baseline","version":1,"host":"web01",
//                 "time":"2026-12-04T21:00:00Z","root":"/","paths":[...],
//                 "missing":[...],"counts":{"file":812,"socket":4,...},
//                 "records":830,"notes":[...]}
//                {"kind":"file","path":"/usr/bin/ls","type":"file","size":142312,
//                 "mode":"0755","uid":0,"gid":0,"owner":"root","group":"root",
//                 "sha256":"…","caps":"","target":"","md5":"…"}
//              (`md5` only for files a Debian package owns: it lets a later
//              comparison check them against dpkg without a second digest)
//                {"kind":"socket","key":"tcp 0.0.0.0:22","protocol":"tcp",...}
//                {"kind":"unit" | "account" | "group" | "authorized_key" |
//                 "cron" | "kernel_module","key":"…",...}
//              Files come first, sorted by path; then the other kinds, each
//              sorted by key. `records` counts the lines after the header, so
//              a truncated file is told from a complete one. A path that is
//              not valid UTF-8 is written as "path_hex" instead of "path".
//   FILE.sig   the detached signature (baseline_signature.h): a JSON object
//              naming the SHA-256 and size of FILE's compressed bytes, the
//              signer's Ed25519 public key, and the signature over both.
//
// Records hold no secret: accounts carry whether a password is set, locked
// or empty (`password`), never the hash.
//
// Everything read from a baseline is untrusted until its signature is
// checked, and even then it is parsed defensively: a line longer than
// kMaxBaselineLine, a line that is not a JSON object, an unknown kind or a
// missing field is bad input naming the line number, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder::baseline {

inline constexpr std::string_view kBaselineFormat = "responder-baseline";
inline constexpr int kBaselineVersion = 1;
inline constexpr std::size_t kMaxBaselineLine = 64 * 1024;

// The paths a baseline covers unless told otherwise (globs expanded under
// the root being recorded).
const std::vector<std::string>& default_baseline_paths();

// One file system object as recorded. `mode` holds the permission bits
// with set-uid, set-gid and sticky (07777); `caps` the lowercase hex of the
// security.capability attribute (empty: none).
struct FileEntry {
  enum class Type : std::uint8_t { file, directory, symlink, other };
  std::string path;  // absolute, as seen from the recorded root
  Type type = Type::other;
  std::uint64_t size = 0;
  std::uint32_t mode = 0;
  std::uint32_t uid = 0, gid = 0;
  std::string owner, group;  // names from the root's passwd/group; empty when unknown
  std::string sha256;        // regular files only
  std::string md5;           // only for files a package owns: what dpkg's sum is checked against
  std::string caps;
  std::string target;        // symlinks only

  bool setid() const { return (mode & 06000) != 0; }
};

std::string_view type_name(FileEntry::Type type);
// "0755", "4755".
std::string mode_text(std::uint32_t mode);

// Any other record: a listening socket, a unit, an account, a group, an
// authorized key, a cron entry, a kernel module. `key` is what identifies it
// between a baseline and the host ("tcp 0.0.0.0:22", "root", "root
// SHA256:…"); `fields` are what may change (`kind` and `key` included).
struct InventoryRecord {
  std::string kind;
  std::string key;
  json::object fields;
};

inline constexpr std::string_view kInventoryKinds[] = {"socket", "unit", "account", "group",
                                                      "authorized_key", "cron", "kernel_module"};
bool is_inventory_kind(std::string_view kind);

struct BaselineHeader {
  std::string host;
  std::string time;                 // RFC 3339, UTC
  std::string root = "/";
  std::vector<std::string> paths;   // as asked, before glob expansion
  std::vector<std::string> missing; // asked-for paths that did not exist
  std::vector<std::string> notes;   // e.g. "no systemd running: units not recorded"
  std::map<std::string, std::uint64_t> counts;  // per kind
  std::uint64_t records = 0;

  json::object to_json() const;
};

// A parsed baseline: the index the comparison looks files up in (sorted by
// path, searched by binary search) and the inventory by kind, then key.
struct BaselineContents {
  BaselineHeader header;
  std::vector<FileEntry> files;
  std::map<std::string, std::map<std::string, json::object>> inventory;

  // The recorded entry for `path`, or nullptr.
  const FileEntry* find_file(std::string_view path) const;
};

// Text read from a host (a file name, a GECOS field, a key comment) made
// valid UTF-8 for JSON: each byte that is not part of a valid character
// becomes the four characters "\xNN". JSON written with raw invalid bytes
// would be unreadable later, and an intruder can name a file anything.
std::string valid_utf8_text(std::string_view text);
// The same for every string (and key) inside a JSON value.
void make_valid_utf8(json::value& value);
// A path as a glob that matches it (each invalid byte a '?'), for handing
// to evidence.collect.
std::string path_as_glob(std::string_view path);
// Lowercase hex back to bytes; false for an odd length or any other character.
bool from_hex(std::string_view hex, std::string& out);

// One record line (no newline), compact JSON.
std::string file_line(const FileEntry& entry);
std::string inventory_line(const InventoryRecord& record);
std::string header_line(const BaselineHeader& header);

// The entry as the comparison reports it (path, type, mode, owner, ...).
json::object file_json(const FileEntry& entry);

// Parses the decompressed text of a baseline: header, records, and the
// check that the header's record count matches. Bad input naming the line
// on any defect; never throws.
Result<BaselineContents> parse_baseline_text(std::string_view text);

// Incremental form of the above, for text decompressed in pieces.
class BaselineParser {
 public:
  // Feeds the next bytes; stops at the first defect.
  Status feed(std::string_view bytes);
  // Ends the text; checks the last line, the header and the count.
  Result<BaselineContents> finish();

 private:
  Status take_line(std::string_view line);
  std::string partial_;
  std::uint64_t line_number_ = 0;
  bool have_header_ = false;
  std::string last_file_path_;
  BaselineContents contents_;
  std::uint64_t records_ = 0;
};

}  // namespace responder::baseline
