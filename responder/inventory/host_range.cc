#include "responder/inventory/host_range.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>

namespace responder::inventory {
namespace {

constexpr std::string_view kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

// Python's int() for the texts a range holds: optional sign, digits,
// surrounding blanks. Nullopt when it is not one or does not fit 64 bits.
std::optional<std::int64_t> python_int(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  bool negative = false;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  std::int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return negative ? -n : n;
}

std::string zfill(std::int64_t n, std::size_t width) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::size_t want = n < 0 ? width - 1 : width;
  if (width > 0 && digits.size() < want) digits.insert(0, want - digits.size(), '0');
  return n < 0 ? "-" + digits : digits;
}

Status expand(std::string_view line, std::size_t limit, std::vector<std::string>& out) {
  // Ansible splits at the first `[` and the first `]`, wherever they are.
  std::size_t open = line.find('['), close = line.find(']');
  if (open == std::string_view::npos) {
    out.emplace_back(line);
    return {};
  }
  if (close == std::string_view::npos || close < open || line.find('|') != std::string_view::npos)
    return bad_input("host range in " + std::string(line) + " has no closing `]`");
  std::string_view head = line.substr(0, open), range = line.substr(open + 1, close - open - 1),
                   tail = line.substr(close + 1);
  std::vector<std::string_view> bounds;
  for (std::size_t start = 0;;) {
    std::size_t colon = range.find(':', start);
    bounds.push_back(range.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start));
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  if (bounds.size() != 2 && bounds.size() != 3) return bad_input("host range must be begin:end or begin:end:step");
  std::string_view begin = bounds[0].empty() ? std::string_view("0") : bounds[0], end = bounds[1];
  if (end.empty()) return bad_input("host range must specify end value");
  std::size_t width = 0;
  if (begin.size() > 1 && begin[0] == '0') {
    width = begin.size();
    if (end.size() != width) return bad_input("host range must specify equal-length begin and end formats");
  }
  std::optional<std::int64_t> step = bounds.size() == 3 ? python_int(bounds[2]) : std::optional<std::int64_t>(1);

  std::vector<std::string> items;
  auto b = kLetters.find(begin), e = kLetters.find(end);
  if (b != std::string_view::npos && e != std::string_view::npos && step && *step != 0) {
    // Letters (Python: string.ascii_letters[i:j+1:step]).
    if (b > e) return bad_input("host range must have begin <= end");
    if (*step > 0)
      for (std::size_t i = b; i <= e; i += static_cast<std::size_t>(*step)) items.emplace_back(1, kLetters[i]);
  } else {
    auto from = python_int(begin), to = python_int(end);
    if (!from || !to || !step) return bad_input("host range " + std::string(range) + " is neither numbers nor letters");
    if (*step == 0) return bad_input("host range step cannot be zero");
    // Python's range(from, to + 1, step), counted before anything is made,
    // so that h[0:99999999999] fails at once.
    __int128 a = *from, c = static_cast<__int128>(*to) + 1, st = *step, count = 0;
    if (st > 0 && c > a) count = (c - a - 1) / st + 1;
    if (st < 0 && a > c) count = (a - c - 1) / -st + 1;
    if (count > static_cast<__int128>(limit - out.size()))
      return bad_input("host range [" + std::string(range) + "] makes more than " + std::to_string(limit) + " hosts");
    for (__int128 i = 0; i < count; ++i) {
      auto n = static_cast<std::int64_t>(a + i * st);
      items.push_back(width ? zfill(n, width) : std::to_string(n));
    }
  }
  for (auto& item : items) {
    std::string name = std::string(head) + item + std::string(tail);
    if (out.size() >= limit)
      return bad_input("host range " + std::string(line) + " makes more than " + std::to_string(limit) + " hosts");
    if (auto s = expand(name, limit, out); !s.ok()) return s;
  }
  return {};
}

}  // namespace

Result<std::vector<std::string>> expand_host_range(std::string_view pattern, std::size_t limit) {
  std::vector<std::string> out;
  // Each `[` is one level of recursion: bounded by the length.
  if (pattern.size() > 4096) return bad_input("a host entry longer than 4096 bytes");
  if (auto s = expand(pattern, limit, out); !s.ok()) return s.error();
  return out;
}

}  // namespace responder::inventory
