#include "responder/inventory/host_address.h"

#include <arpa/inet.h>

#include <cctype>
#include <charconv>

namespace responder::inventory {
namespace {

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// Python's \w for one byte of UTF-8: ASCII letters, digits and `_`, and any
// byte of a multi-byte character (counted as a letter).
bool word_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) || c == '_';
}

// A range `[a:z]` (one letter each, any case) or `[N:M]` / `[N:M:S]` at
// text[pos]; its length, or 0.
std::size_t range_at(std::string_view text, std::size_t pos) {
  if (pos >= text.size() || text[pos] != '[') return 0;
  std::size_t close = text.find(']', pos);
  if (close == std::string_view::npos) return 0;
  std::string_view inside = text.substr(pos + 1, close - pos - 1);
  std::size_t colon = inside.find(':');
  if (colon == std::string_view::npos) return 0;
  std::string_view begin = inside.substr(0, colon), rest = inside.substr(colon + 1);
  std::string_view end = rest, step;
  if (auto c2 = rest.find(':'); c2 != std::string_view::npos) {
    end = rest.substr(0, c2);
    step = rest.substr(c2 + 1);
    if (!all_digits(step)) return 0;
  }
  bool letters = begin.size() == 1 && end.size() == 1 && std::isalpha(static_cast<unsigned char>(begin[0])) &&
                 std::isalpha(static_cast<unsigned char>(end[0]));
  if (!letters && !(all_digits(begin) && all_digits(end))) return 0;
  return close - pos + 1;
}

// One DNS-like label, ranges allowed: starts with a word character or a
// range, continues with those and `-`, does not end in `_` or `-`.
bool valid_label(std::string_view label) {
  if (label.empty()) return false;
  std::size_t pos = 0;
  bool first = true;
  char last = 0;
  while (pos < label.size()) {
    if (std::size_t n = range_at(label, pos)) {
      pos += n;
      last = ']';
    } else if (word_byte(label[pos]) || (!first && label[pos] == '-')) {
      last = label[pos++];
    } else {
      return false;
    }
    first = false;
  }
  return last != '_' && last != '-';
}

bool valid_hostname(std::string_view text) {
  // Labels are split at dots outside ranges.
  std::size_t start = 0, pos = 0;
  while (pos <= text.size()) {
    if (pos < text.size() && text[pos] == '[') {
      std::size_t close = text.find(']', pos);
      if (close == std::string_view::npos) return false;
      pos = close + 1;
      continue;
    }
    if (pos == text.size() || text[pos] == '.') {
      if (!valid_label(text.substr(start, pos - start))) return false;
      start = pos + 1;
    }
    ++pos;
  }
  return true;
}

bool valid_ipv6(std::string_view text) {
  std::string copy(text);
  in6_addr address{};
  return copy.find('[') == std::string::npos && ::inet_pton(AF_INET6, copy.c_str(), &address) == 1;
}

}  // namespace

std::optional<HostAddress> parse_host_address(std::string_view text) {
  HostAddress out;
  std::string_view address = text;
  auto take_port = [&](std::string_view digits) {
    unsigned long long port = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || p != digits.data() + digits.size()) return false;
    out.port = port;
    return true;
  };
  // `[anything]:PORT`
  if (address.size() > 3 && address.front() == '[') {
    std::size_t colon = address.rfind(':');
    if (colon != std::string_view::npos && colon > 1 && address[colon - 1] == ']' && colon - 1 > 1 &&
        all_digits(address.substr(colon + 1))) {
      if (!take_port(address.substr(colon + 1))) return std::nullopt;
      address = address.substr(1, colon - 2);
    }
  }
  // `NAME:PORT`, the name free of `:[]` outside complete brackets.
  if (std::size_t colon = address.rfind(':'); colon != std::string_view::npos && all_digits(address.substr(colon + 1))) {
    std::string_view name = address.substr(0, colon);
    bool plain = true;
    for (std::size_t i = 0; i < name.size() && plain; ++i) {
      if (name[i] == '[') {
        std::size_t close = name.find(']', i);
        if (close == std::string_view::npos) plain = false;
        else i = close;
      } else if (name[i] == ':' || name[i] == ']') {
        plain = false;
      }
    }
    if (plain) {
      if (!take_port(address.substr(colon + 1))) return std::nullopt;
      address = name;
    }
  }
  if (!valid_hostname(address) && !valid_ipv6(address)) return std::nullopt;
  out.host = std::string(address);
  return out;
}

}  // namespace responder::inventory
