#include "responder/inventory/shell_words.h"

namespace responder::inventory {
namespace {
// shlex's whitespace: space, tab, CR, LF.
bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
}  // namespace

Result<std::vector<ShellWord>> split_shell_words(std::string_view line, bool comments) {
  std::vector<ShellWord> words;
  std::size_t i = 0;
  while (i < line.size()) {
    if (blank(line[i])) {
      ++i;
      continue;
    }
    if (comments && line[i] == '#') break;
    ShellWord word;
    word.offset = i;
    while (i < line.size() && !blank(line[i])) {
      char c = line[i];
      if (comments && c == '#') break;
      if (c == '\\') {
        if (i + 1 >= line.size()) return bad_input("no character after the backslash at column " + std::to_string(i + 1));
        word.text += line[i + 1];
        i += 2;
      } else if (c == '\'') {
        std::size_t close = line.find('\'', i + 1);
        if (close == std::string_view::npos)
          return bad_input("the quote at column " + std::to_string(i + 1) + " is not closed");
        word.text.append(line.substr(i + 1, close - i - 1));
        i = close + 1;
      } else if (c == '"') {
        std::size_t j = i + 1;
        for (;; ++j) {
          if (j >= line.size()) return bad_input("the quote at column " + std::to_string(i + 1) + " is not closed");
          if (line[j] == '"') break;
          if (line[j] == '\\' && j + 1 < line.size() && (line[j + 1] == '"' || line[j + 1] == '\\')) ++j;
          word.text += line[j];
        }
        i = j + 1;
      } else {
        word.text += c;
        ++i;
      }
    }
    words.push_back(std::move(word));
    if (comments && i < line.size() && line[i] == '#') break;
  }
  return words;
}

}  // namespace responder::inventory
