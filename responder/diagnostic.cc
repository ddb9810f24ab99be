#include "responder/diagnostic.h"

#include <algorithm>
#include <vector>

#include "responder/message_text.h"

namespace responder {

std::string Diagnostic::format() const {
  // Escaped here, whatever built the message, so that no file name, key or
  // value quoted in it can start a second line or drive the terminal.
  std::string out = one_line(file);
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column > 0 ? column : 1);
  out += warning ? ": warning: " : ": ";
  return out + one_line(message);
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(), [](const Diagnostic& d) { return !d.warning; });
}

namespace {
constexpr std::size_t kLongestHintedWord = 128;

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}
}  // namespace

std::string closest_match(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  // The distance costs the product of the lengths; a hint for a name this
  // long would not help anyone, and hostile input could make it cost hours.
  if (word.size() > kLongestHintedWord) return best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (auto& c : candidates) {
    if (c.size() > kLongestHintedWord) continue;
    auto d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace responder
