#include "forensics/baseline/baseline_file_format.h"

#include "forensics/evidence/evidence_digest.h"

#include <algorithm>
#include <cstdio>

#include "responder/utf8.h"

namespace responder::baseline {
namespace {

bool valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = decode_utf8(text, i);
    if (!c.valid) return false;
    i += c.size;
  }
  return true;
}


void put_path(json::object& o, const char* key, const char* hex_key, const std::string& path) {
  if (valid_utf8(path)) o[key] = path;
  else o[hex_key] = evidence::hex_of(reinterpret_cast<const unsigned char*>(path.data()), path.size());
}

bool is_hex(std::string_view s, std::size_t size) {
  return s.size() == size && std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Field readers for the parser: false when absent or of the wrong type.
bool get_string(const json::object& o, std::string_view key, std::string& out) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return false;
  out.assign(v->get_string().data(), v->get_string().size());
  return true;
}

bool get_uint(const json::object& o, std::string_view key, std::uint64_t& out, std::uint64_t max) {
  auto* v = o.if_contains(key);
  if (!v) return false;
  if (v->is_uint64()) out = v->get_uint64();
  else if (v->is_int64() && v->get_int64() >= 0) out = static_cast<std::uint64_t>(v->get_int64());
  else return false;
  return out <= max;
}

Error at_line(std::uint64_t line, const std::string& what) {
  return bad_input("baseline line " + std::to_string(line) + ": " + what);
}

}  // namespace

bool from_hex(std::string_view hex, std::string& out) {
  if (hex.size() % 2) return false;
  out.clear();
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
  }
  return true;
}

std::string valid_utf8_text(std::string_view text) {
  if (valid_utf8(text)) return std::string(text);
  std::string out;
  for (std::size_t i = 0; i < text.size();) {
    auto c = decode_utf8(text, i);
    if (c.valid) {
      out.append(text.substr(i, c.size));
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(text[i]));
      out += escaped;
    }
    i += c.size;
  }
  return out;
}

void make_valid_utf8(json::value& value) {
  if (value.is_string()) {
    auto& s = value.get_string();
    if (!valid_utf8(std::string_view(s.data(), s.size()))) s = valid_utf8_text(std::string_view(s.data(), s.size()));
  } else if (value.is_array()) {
    for (auto& v : value.get_array()) make_valid_utf8(v);
  } else if (value.is_object()) {
    auto& o = value.get_object();
    bool keys_valid = true;
    for (auto& [k, v] : o) {
      make_valid_utf8(v);
      keys_valid = keys_valid && valid_utf8(std::string_view(k.data(), k.size()));
    }
    if (!keys_valid) {
      json::object fixed;
      for (auto& [k, v] : o) fixed[valid_utf8_text(std::string_view(k.data(), k.size()))] = v;
      o = std::move(fixed);
    }
  }
}

std::string path_as_glob(std::string_view path) {
  // Glob's own characters in a name are escaped, so that a file named
  // "[s]udo" is collected, not the real "sudo" it would match.
  auto escaped = [](std::string_view part) {
    std::string out;
    for (char ch : part) {
      if (ch == '\\' || ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '{' || ch == '}') out += '\\';
      out += ch;
    }
    return out;
  };
  if (valid_utf8(path)) return escaped(path);
  std::string out;
  for (std::size_t i = 0; i < path.size();) {
    auto c = decode_utf8(path, i);
    if (c.valid) out += escaped(path.substr(i, c.size));
    else out += '?';
    i += c.size;
  }
  return out;
}

const std::vector<std::string>& default_baseline_paths() {
  // Where system programs and their loader live, where a backdoor is
  // usually dropped beside them (/usr/local comes first in root's PATH,
  // /opt), and where keys and schedules let an intruder back in. The
  // world-writable folders (/tmp, /var/tmp, /dev/shm) change by the second
  // and are left to `paths`.
  static const std::vector<std::string> paths{"/etc",       "/usr/bin",   "/usr/sbin",   "/usr/lib",   "/usr/lib64",
                                              "/usr/libexec", "/usr/local", "/bin",        "/sbin",      "/lib",
                                              "/lib64",     "/boot",      "/opt",        "/root/.ssh", "/home/*/.ssh",
                                              "/var/spool/cron"};
  return paths;
}

std::string_view type_name(FileEntry::Type type) {
  switch (type) {
    case FileEntry::Type::file: return "file";
    case FileEntry::Type::directory: return "directory";
    case FileEntry::Type::symlink: return "symlink";
    case FileEntry::Type::other: return "other";
  }
  return "other";
}

std::string mode_text(std::uint32_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode & 07777u);
  return text;
}

bool is_inventory_kind(std::string_view kind) {
  return std::find(std::begin(kInventoryKinds), std::end(kInventoryKinds), kind) != std::end(kInventoryKinds);
}

json::object BaselineHeader::to_json() const {
  json::object o;
  o["format"] = kBaselineFormat;
  o["version"] = kBaselineVersion;
  o["host"] = host;
  o["time"] = time;
  o["root"] = root;
  o["paths"] = string_array(paths);
  o["missing"] = string_array(missing);
  o["notes"] = string_array(notes);
  json::object c;
  for (auto& [kind, n] : counts) c[kind] = n;
  o["counts"] = std::move(c);
  o["records"] = records;
  return o;
}

const FileEntry* BaselineContents::find_file(std::string_view path) const {
  auto it = std::lower_bound(files.begin(), files.end(), path, [](const FileEntry& e, std::string_view p) { return e.path < p; });
  return it != files.end() && it->path == path ? &*it : nullptr;
}

json::object file_json(const FileEntry& e) {
  json::object o;
  put_path(o, "path", "path_hex", e.path);
  o["type"] = type_name(e.type);
  o["size"] = e.size;
  o["mode"] = mode_text(e.mode);
  o["uid"] = e.uid;
  o["gid"] = e.gid;
  o["owner"] = valid_utf8_text(e.owner);
  o["group"] = valid_utf8_text(e.group);
  o["sha256"] = e.sha256;
  o["caps"] = e.caps;
  if (!e.md5.empty()) o["md5"] = e.md5;
  if (e.type == FileEntry::Type::symlink) put_path(o, "target", "target_hex", e.target);
  else o["target"] = "";
  return o;
}

std::string file_line(const FileEntry& entry) {
  json::object o;
  o["kind"] = "file";
  for (auto& [k, v] : file_json(entry)) o[k] = v;
  return to_json_text(o);
}

std::string inventory_line(const InventoryRecord& record) {
  json::object o = record.fields;
  o["kind"] = record.kind;
  o["key"] = record.key;
  return to_json_text(o);
}

std::string header_line(const BaselineHeader& header) {
  json::value h = header.to_json();
  make_valid_utf8(h);  // notes name files, and the host names itself
  return to_json_text(h);
}

Status BaselineParser::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    auto newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    if (partial_.size() + piece.size() > kMaxBaselineLine)
      return at_line(line_number_ + 1, "longer than " + std::to_string(kMaxBaselineLine) + " bytes");
    if (newline == std::string_view::npos) {
      partial_.append(piece);
      return {};
    }
    Status s;
    if (partial_.empty()) {
      s = take_line(piece);
    } else {
      partial_.append(piece);
      s = take_line(partial_);
      partial_.clear();
    }
    if (!s) return s;
    bytes.remove_prefix(newline + 1);
  }
  return {};
}

Status BaselineParser::take_line(std::string_view line) {
  ++line_number_;
  json::value value;
  try {
    value = parse_json(line);
  } catch (const std::exception&) {
    return at_line(line_number_, "not a JSON object");
  }
  if (!value.is_object()) return at_line(line_number_, "not a JSON object");
  auto& o = value.get_object();
  if (!have_header_) {
    std::string format;
    std::uint64_t version = 0;
    if (!get_string(o, "format", format) || format != kBaselineFormat)
      return at_line(line_number_, "not a responder baseline (the header names no format \"responder-baseline\")");
    if (!get_uint(o, "version", version, 1000) || version != static_cast<std::uint64_t>(kBaselineVersion))
      return at_line(line_number_, "baseline format version " + std::to_string(version) + " is not one this responder reads (" +
                                       std::to_string(kBaselineVersion) + ")");
    auto& h = contents_.header;
    if (!get_uint(o, "records", h.records, UINT64_MAX)) return at_line(line_number_, "the header has no record count");
    get_string(o, "host", h.host);
    get_string(o, "time", h.time);
    get_string(o, "root", h.root);
    for (auto [key, list] : {std::pair{"paths", &h.paths}, std::pair{"missing", &h.missing}, std::pair{"notes", &h.notes}}) {
      if (auto* a = o.if_contains(key); a && a->is_array())
        for (auto& p : a->get_array())
          if (p.is_string()) list->emplace_back(p.get_string());
    }
    if (auto* c = o.if_contains("counts"); c && c->is_object())
      for (auto& [kind, n] : c->get_object())
        if (n.is_uint64() || n.is_int64()) h.counts[std::string(kind)] = n.is_uint64() ? n.get_uint64() : static_cast<std::uint64_t>(std::max<std::int64_t>(0, n.get_int64()));
    have_header_ = true;
    return {};
  }
  ++records_;
  if (records_ > contents_.header.records)
    return at_line(line_number_, "more records than the header's " + std::to_string(contents_.header.records));
  std::string kind;
  if (!get_string(o, "kind", kind)) return at_line(line_number_, "a record without a kind");
  if (kind == "file") {
    if (!contents_.inventory.empty()) return at_line(line_number_, "a file record after the inventory records");
    FileEntry e;
    std::string hex;
    if (get_string(o, "path_hex", hex)) {
      if (!from_hex(hex, e.path)) return at_line(line_number_, "path_hex is not lowercase hex");
    } else if (!get_string(o, "path", e.path)) {
      return at_line(line_number_, "a file record without a path");
    }
    if (e.path.empty() || e.path[0] != '/' || e.path.find('\0') != std::string::npos)
      return at_line(line_number_, "file path is not absolute");
    if (!last_file_path_.empty() && !(last_file_path_ < e.path))
      return at_line(line_number_, "file records are not sorted by path (" + e.path + " after " + last_file_path_ + ")");
    std::string type, mode;
    if (!get_string(o, "type", type)) return at_line(line_number_, "file record without a type");
    if (type == "file") e.type = FileEntry::Type::file;
    else if (type == "directory") e.type = FileEntry::Type::directory;
    else if (type == "symlink") e.type = FileEntry::Type::symlink;
    else if (type == "other") e.type = FileEntry::Type::other;
    else return at_line(line_number_, "unknown file type \"" + type + "\"");
    if (!get_string(o, "mode", mode) || mode.empty() || mode.size() > 6 ||
        !std::all_of(mode.begin(), mode.end(), [](char c) { return c >= '0' && c <= '7'; }))
      return at_line(line_number_, "file mode is not octal");
    e.mode = static_cast<std::uint32_t>(std::stoul(mode, nullptr, 8)) & 07777u;
    std::uint64_t uid = 0, gid = 0;
    if (!get_uint(o, "size", e.size, UINT64_MAX) || !get_uint(o, "uid", uid, UINT32_MAX) || !get_uint(o, "gid", gid, UINT32_MAX))
      return at_line(line_number_, "file record without size, uid or gid");
    e.uid = static_cast<std::uint32_t>(uid);
    e.gid = static_cast<std::uint32_t>(gid);
    get_string(o, "owner", e.owner);
    get_string(o, "group", e.group);
    get_string(o, "sha256", e.sha256);
    get_string(o, "caps", e.caps);
    if (get_string(o, "md5", e.md5) && !is_hex(e.md5, 32)) return at_line(line_number_, "md5 is not 32 lowercase hex digits");
    if (e.type == FileEntry::Type::file && !is_hex(e.sha256, 64))
      return at_line(line_number_, "file record of " + e.path + " without a SHA-256");
    if (get_string(o, "target_hex", hex)) {
      if (!from_hex(hex, e.target)) return at_line(line_number_, "target_hex is not lowercase hex");
    } else {
      get_string(o, "target", e.target);
    }
    last_file_path_ = e.path;
    contents_.files.push_back(std::move(e));
    return {};
  }
  if (!is_inventory_kind(kind)) return at_line(line_number_, "unknown record kind \"" + kind + "\"");
  std::string key;
  if (!get_string(o, "key", key) || key.empty()) return at_line(line_number_, "a " + kind + " record without a key");
  auto& by_key = contents_.inventory[kind];
  if (by_key.count(key)) return at_line(line_number_, "the " + kind + " " + key + " is recorded twice");
  json::object fields = std::move(o);
  by_key.emplace(std::move(key), std::move(fields));
  return {};
}

Result<BaselineContents> BaselineParser::finish() {
  if (!partial_.empty()) {
    std::string last = std::move(partial_);
    partial_.clear();
    if (Status s = take_line(last); !s) return s.error();
  }
  if (!have_header_) return bad_input("the baseline is empty: no header line");
  if (records_ != contents_.header.records)
    return bad_input("the baseline is truncated: its header announces " + std::to_string(contents_.header.records) +
                     " records and it holds " + std::to_string(records_));
  return std::move(contents_);
}

Result<BaselineContents> parse_baseline_text(std::string_view text) {
  BaselineParser parser;
  if (Status s = parser.feed(text); !s) return s.error();
  return parser.finish();
}

}  // namespace responder::baseline
