#include "containment/shares/samba_share_config.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace responder::shares {
namespace {

// One logical line of smb.conf: physical lines joined where one ends in a
// backslash. `end` is the offset just past its last newline (or the end).
struct ConfigLine {
  std::size_t begin = 0, end = 0;
  std::string text;  // joined, without the newline
};

std::vector<ConfigLine> logical_lines(std::string_view text) {
  std::vector<ConfigLine> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    ConfigLine line;
    line.begin = pos;
    for (;;) {
      std::size_t nl = text.find('\n', pos);
      std::string_view physical = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
      pos = nl == std::string_view::npos ? text.size() : nl + 1;
      if (!physical.empty() && physical.back() == '\r') physical.remove_suffix(1);
      if (!physical.empty() && physical.back() == '\\' && pos < text.size()) {
        line.text.append(physical.substr(0, physical.size() - 1));
        continue;
      }
      line.text.append(physical);
      break;
    }
    line.end = pos;
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Samba parameter names ignore case, spaces and underscores.
std::string parameter_key(std::string_view name) {
  std::string out;
  for (char c : name)
    if (c != ' ' && c != '\t' && c != '_') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_comment_or_blank(const std::string& trimmed) {
  return trimmed.empty() || trimmed[0] == '#' || trimmed[0] == ';';
}

// The section name of a "[name]" line, lower-cased; nullopt for other lines.
std::optional<std::string> section_name(const std::string& trimmed) {
  if (trimmed.empty() || trimmed[0] != '[') return std::nullopt;
  auto close = trimmed.find(']');
  if (close == std::string::npos) return std::nullopt;
  return lower(trim(std::string_view(trimmed).substr(1, close - 1)));
}

}  // namespace

Result<std::string> samba_config_with_read_only_shares(std::string_view text, const std::vector<std::string>& shares,
                                                       const std::string& marker, const std::filesystem::path& file) {
  auto lines = logical_lines(text);
  // For each share (lower-cased): the end offset of the last parameter line
  // of its last section, or of the header when the section is empty.
  std::vector<std::optional<std::size_t>> insert_at(shares.size());
  std::string current = "global";  // parameters before any header are global
  std::string not_searched = "; included files are not searched";
  for (auto& line : lines) {
    std::string trimmed = trim(line.text);
    if (auto name = section_name(trimmed)) {
      current = *name;
      for (std::size_t i = 0; i < shares.size(); ++i)
        if (lower(shares[i]) == current) insert_at[i] = line.end;
      continue;
    }
    if (is_comment_or_blank(trimmed)) continue;
    auto eq = trimmed.find('=');
    if (eq == std::string::npos) continue;
    std::string key = parameter_key(trimmed.substr(0, eq));
    std::string value = lower(trim(std::string_view(trimmed).substr(eq + 1)));
    if (current == "global" && ((key == "configbackend" && value == "registry") || (key == "include" && value == "registry")))
      return refusal(file.string() + " keeps Samba's configuration in the registry (`" + trimmed +
                     "` in [global]); share.readonly edits smb.conf only and does not change the registry: set the "
                     "share read-only with `net conf setparm SHARE 'read only' yes` and `net conf setparm SHARE 'write list' ''`");
    if (current == "global" && key == "registryshares" && (value == "yes" || value == "true" || value == "1"))
      not_searched = "; [global] has `registry shares = yes`: shares defined in the registry are not changed by "
                     "share.readonly (use `net conf setparm`)";
    for (std::size_t i = 0; i < shares.size(); ++i)
      if (lower(shares[i]) == current) insert_at[i] = line.end;
  }

  std::vector<std::pair<std::size_t, std::string>> inserts;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (!insert_at[i])
      return bad_input("Samba share [" + shares[i] + "] is not defined in " + file.string() + not_searched);
    std::string block = "\t# " + marker + "\n\tread only = yes\n\twrite list =\n";
    // A last line without a newline must be ended before the block follows.
    if (*insert_at[i] == text.size() && !text.empty() && text.back() != '\n') block = "\n" + block;
    inserts.emplace_back(*insert_at[i], std::move(block));
  }
  // Two names for one section (case variants) get one block.
  std::sort(inserts.begin(), inserts.end());
  inserts.erase(std::unique(inserts.begin(), inserts.end(),
                            [](auto& a, auto& b) { return a.first == b.first; }),
                inserts.end());
  std::string out;
  std::size_t copied = 0;
  for (auto& [at, block] : inserts) {
    out.append(text.substr(copied, at - copied));
    out += block;
    copied = at;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace responder::shares
