#include "containment/accounts/shadow_file.h"

namespace responder::accounts {
namespace {

std::vector<std::string> split_fields(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    auto colon = line.find(':', start);
    fields.push_back(line.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) return fields;
    start = colon + 1;
  }
}

std::string join_fields(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i ? ":" : "") + fields[i];
  return line;
}

}  // namespace

Result<ShadowFile> ShadowFile::read(const std::filesystem::path& path) {
  auto snapshot = snapshot_file(path);
  if (!snapshot) return snapshot.error();
  if (!snapshot->existed) return failure(path.string() + " does not exist; this host keeps no shadow passwords");
  ShadowFile file;
  file.snapshot_ = std::move(*snapshot);
  const std::string& text = file.snapshot_.content;
  file.final_newline_ = text.empty() || text.back() == '\n';
  std::size_t start = 0;
  while (start < text.size()) {
    auto newline = text.find('\n', start);
    if (newline == std::string::npos) newline = text.size();
    file.lines_.push_back(text.substr(start, newline - start));
    start = newline + 1;
  }
  return file;
}

std::optional<std::size_t> ShadowFile::find(const std::string& user) const {
  const std::string prefix = user + ":";
  for (std::size_t i = 0; i < lines_.size(); ++i)
    if (lines_[i].compare(0, prefix.size(), prefix) == 0) return i;
  return std::nullopt;
}

Result<std::string> ShadowFile::field(const std::string& user, ShadowField which) const {
  auto index = find(user);
  if (!index) return bad_input("user '" + user + "' has no entry in " + path().string());
  auto fields = split_fields(lines_[*index]);
  auto position = static_cast<std::size_t>(which);
  if (fields.size() <= position)
    return failure("the entry of user '" + user + "' in " + path().string() + " has " + std::to_string(fields.size()) +
                   " fields, too few for a shadow(5) entry");
  return fields[position];
}

Status ShadowFile::set_field(const std::string& user, ShadowField which, const std::string& value) {
  auto index = find(user);
  if (!index) return bad_input("user '" + user + "' has no entry in " + path().string());
  auto fields = split_fields(lines_[*index]);
  auto position = static_cast<std::size_t>(which);
  if (fields.size() <= position)
    return failure("the entry of user '" + user + "' in " + path().string() + " is malformed");
  fields[position] = value;
  lines_[*index] = join_fields(fields);
  return Status::success();
}

std::string ShadowFile::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    out += lines_[i];
    if (i + 1 < lines_.size() || final_newline_) out += '\n';
  }
  return out;
}

Status ShadowFile::write() const {
  return replace_file(snapshot_.path, text(), snapshot_.mode, snapshot_.owner, snapshot_.group);
}

}  // namespace responder::accounts
