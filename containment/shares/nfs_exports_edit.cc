#include "containment/shares/nfs_exports_edit.h"

#include <cctype>
#include <sstream>

#include "containment/shares/octal_escape.h"

namespace responder::shares {
namespace {

struct Token {
  std::size_t begin = 0, end = 0;  // raw bytes in the file
};


// Removes the quotes and decodes \ooo escapes, as exportfs reads a path.
std::string decode_path(std::string_view raw) {
  std::string unquoted(raw);
  std::erase(unquoted, '"');
  return decode_octal_escapes(unquoted);
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Reads the tokens of one logical line starting at `pos`; leaves `pos` at
// the start of the next logical line. `#` at a token's start comments out
// the rest of the physical line; backslash-newline continues the line.
std::vector<Token> next_line_tokens(std::string_view text, std::size_t& pos) {
  std::vector<Token> tokens;
  const std::size_t n = text.size();
  while (pos < n) {
    char c = text[pos];
    if (is_blank(c)) {
      ++pos;
    } else if (c == '\\' && pos + 1 < n && text[pos + 1] == '\n') {
      pos += 2;
    } else if (c == '\n') {
      ++pos;
      break;
    } else if (c == '#') {
      while (pos < n && text[pos] != '\n') ++pos;
    } else {
      Token t;
      t.begin = pos;
      bool quoted = false;
      while (pos < n) {
        char d = text[pos];
        if (d == '"') quoted = !quoted;
        else if (!quoted && (is_blank(d) || d == '\n')) break;
        else if (!quoted && d == '\\' && pos + 1 < n && text[pos + 1] == '\n') break;
        else if (d == '\n') break;  // an unterminated quote ends with its line
        ++pos;
      }
      t.end = pos;
      tokens.push_back(t);
    }
  }
  return tokens;
}

// Switches every `rw` option in text[begin, end) (a comma-separated option
// list) to `ro`, in place; returns how many.
int switch_rw_options(std::string& text, std::size_t begin, std::size_t end) {
  int switched = 0;
  std::size_t option = begin;
  while (option <= end) {
    std::size_t comma = text.find(',', option);
    if (comma == std::string::npos || comma > end) comma = end;
    if (comma - option == 2 && text.compare(option, 2, "rw") == 0) {
      text[option + 1] = 'o';
      ++switched;
    }
    option = comma + 1;
  }
  return switched;
}

}  // namespace

std::string export_path_key(std::string_view path) {
  std::string key(path);
  while (key.size() > 1 && key.back() == '/') key.pop_back();
  return key;
}

ExportsEdit exports_with_read_only(std::string_view text, const std::vector<std::string>& paths) {
  std::set<std::string> wanted;
  for (auto& p : paths) wanted.insert(export_path_key(p));
  ExportsEdit edit;
  edit.text = std::string(text);
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto tokens = next_line_tokens(text, pos);
    if (tokens.empty()) continue;
    std::string path = export_path_key(decode_path(text.substr(tokens[0].begin, tokens[0].end - tokens[0].begin)));
    if (!wanted.count(path)) continue;
    edit.found.insert(path);
    int& switched = edit.switched[path];
    for (std::size_t t = 1; t < tokens.size(); ++t) {
      std::string_view raw = text.substr(tokens[t].begin, tokens[t].end - tokens[t].begin);
      if (raw.front() == '-') {
        switched += switch_rw_options(edit.text, tokens[t].begin + 1, tokens[t].end);
        continue;
      }
      auto open = raw.find('(');
      auto close = raw.rfind(')');
      if (open == std::string_view::npos || close == std::string_view::npos || close < open) continue;
      switched += switch_rw_options(edit.text, tokens[t].begin + open + 1, tokens[t].begin + close);
    }
  }
  return edit;
}

std::map<std::string, std::vector<std::string>> read_export_table(const std::string& etab_text) {
  std::map<std::string, std::vector<std::string>> table;
  std::istringstream in(etab_text);
  for (std::string line; std::getline(in, line);) {
    auto tab = line.find('\t');
    if (tab == std::string::npos) continue;
    table[export_path_key(decode_path(line.substr(0, tab)))].push_back(line.substr(tab + 1));
  }
  return table;
}

bool export_entry_writable(const std::string& client_entry) {
  auto open = client_entry.find('(');
  auto close = client_entry.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close < open) return false;
  std::istringstream options(client_entry.substr(open + 1, close - open - 1));
  for (std::string o; std::getline(options, o, ',');)
    if (o == "rw") return true;
  return false;
}

}  // namespace responder::shares
