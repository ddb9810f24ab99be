#include "responder/inventory/python_literal.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <optional>
#include <string>

namespace responder::inventory {
namespace {

constexpr int kMaxNesting = 64;

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  // The whole text as one literal expression, or nullopt.
  std::optional<json::value> whole() {
    skip();
    auto v = expression();
    if (!v) return std::nullopt;
    skip();
    if (pos_ != s_.size()) return std::nullopt;
    return v;
  }

 private:
  // Blanks and a comment to the end of the line. Newlines only inside
  // brackets in Python; INI values never hold one anyway.
  void skip() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\f' || (c == '\n' && nesting_ > 0)) {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }
  bool eat(char c) {
    skip();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool at_end() {
    skip();
    return pos_ >= s_.size();
  }

  // expression: item (',' item)* [','] -> a tuple when a comma is present.
  std::optional<json::value> expression() {
    auto first = item();
    if (!first) return std::nullopt;
    skip();
    if (pos_ >= s_.size() || s_[pos_] != ',' || nesting_ > 0) return first;
    json::array tuple{std::move(*first)};
    while (eat(',')) {
      if (at_end()) break;
      auto next = item();
      if (!next) return std::nullopt;
      tuple.push_back(std::move(*next));
    }
    return json::value(std::move(tuple));
  }

  std::optional<json::value> item() {
    // Every kind of nesting (brackets, signs) counts: hostile `- - - - 1`
    // or `[[[[...` must not exhaust the stack.
    struct Deeper {
      int& depth;
      explicit Deeper(int& d) : depth(++d) {}
      ~Deeper() { --depth; }
    } deeper(depth_);
    if (depth_ > 2 * kMaxNesting) return std::nullopt;
    skip();
    if (pos_ >= s_.size()) return std::nullopt;
    char c = s_[pos_];
    if (c == '+' || c == '-') {
      ++pos_;
      auto v = item();  // Python allows - - 5
      if (!v || !(v->is_int64() || v->is_double() || v->is_bool())) return std::nullopt;
      if (v->is_bool()) return std::nullopt;  // -True is not a literal
      if (c == '+') return v;
      if (v->is_int64()) return json::value(-v->get_int64());
      return json::value(-v->get_double());
    }
    if (c == '[' || c == '(') return sequence(c == '[' ? ']' : ')');
    if (c == '{') return mapping();
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1]))))
      return number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '"' || c == '\'') {
      std::size_t start = pos_;
      while (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) ++pos_;
      std::string_view word = s_.substr(start, pos_ - start);
      if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) return strings(word);
      if (word == "True") return json::value(true);
      if (word == "False") return json::value(false);
      if (word == "None") return json::value(nullptr);
      return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<json::value> sequence(char close) {
    if (++nesting_ > kMaxNesting) return std::nullopt;
    ++pos_;
    json::array items;
    bool comma = false;
    while (true) {
      if (eat(close)) break;
      if (!items.empty() && !comma) return std::nullopt;
      auto v = item();
      if (!v) return std::nullopt;
      items.push_back(std::move(*v));
      comma = eat(',');
    }
    --nesting_;
    // `(5)` is 5, not a tuple.
    if (close == ')' && items.size() == 1 && !comma) return std::move(items[0]);
    return json::value(std::move(items));
  }

  std::optional<json::value> mapping() {
    if (++nesting_ > kMaxNesting) return std::nullopt;
    ++pos_;
    json::object object;
    bool comma = false;
    while (true) {
      if (eat('}')) break;
      if (!object.empty() && !comma) return std::nullopt;
      auto key = item();
      if (!key || !eat(':')) return std::nullopt;  // `{1, 2}` (a set) is not understood
      auto value = item();
      if (!value) return std::nullopt;
      // JSON keys, as Python's json module writes them.
      std::string k;
      if (key->is_string()) k = std::string(key->get_string());
      else if (key->is_int64()) k = std::to_string(key->get_int64());
      else if (key->is_bool()) k = key->get_bool() ? "true" : "false";
      else if (key->is_null()) k = "null";
      else return std::nullopt;
      object[k] = std::move(*value);
      comma = eat(',');
    }
    --nesting_;
    return json::value(std::move(object));
  }

  std::optional<json::value> number() {
    std::size_t start = pos_;
    std::string digits;
    auto take_digits = [&](auto accept) {
      bool any = false;
      while (pos_ < s_.size() && (accept(s_[pos_]) || (s_[pos_] == '_' && any && pos_ + 1 < s_.size() && accept(s_[pos_ + 1])))) {
        if (s_[pos_] != '_') digits += s_[pos_];
        any = true;
        ++pos_;
      }
      return any;
    };
    auto dec = [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; };
    if (s_[pos_] == '0' && pos_ + 1 < s_.size() && std::strchr("xXoObB", s_[pos_ + 1])) {
      char kind = static_cast<char>(std::tolower(static_cast<unsigned char>(s_[pos_ + 1])));
      pos_ += 2;
      int base = kind == 'x' ? 16 : kind == 'o' ? 8 : 2;
      auto ok = [&](char c) {
        return base == 16 ? std::isxdigit(static_cast<unsigned char>(c)) != 0 : base == 8 ? (c >= '0' && c <= '7') : (c == '0' || c == '1');
      };
      if (pos_ < s_.size() && s_[pos_] == '_') ++pos_;  // 0x_1f
      if (!take_digits(ok)) return std::nullopt;
      if (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])))) return std::nullopt;
      std::uint64_t n = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n, base);
      if (ec != std::errc() || n > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
      return json::value(static_cast<std::int64_t>(n));
    }
    take_digits(dec);
    bool is_float = false;
    if (pos_ < s_.size() && s_[pos_] == '.') {
      is_float = true;
      digits += '.';
      ++pos_;
      take_digits(dec);
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      is_float = true;
      digits += 'e';
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) digits += s_[pos_++];
      if (!take_digits(dec)) return std::nullopt;
    }
    if (pos_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_')) return std::nullopt;  // 5j, 1x
    if (digits.empty() || pos_ == start) return std::nullopt;
    if (!is_float) {
      // Python 3 refuses leading zeros in decimal integers (except 0, 00).
      if (digits.size() > 1 && digits[0] == '0' && digits.find_first_not_of('0') != std::string::npos) return std::nullopt;
      std::int64_t n = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      if (ec != std::errc()) return std::nullopt;
      return json::value(n);
    }
    double d = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
    if (ec != std::errc() && ec != std::errc::result_out_of_range) return std::nullopt;
    if (!std::isfinite(d)) return std::nullopt;  // inf: JSON cannot hold it
    return json::value(d);
  }

  // One or more adjacent string literals; `prefix` already read.
  std::optional<json::value> strings(std::string_view prefix) {
    std::string out;
    bool any_bytes = false, any_text = false;
    while (true) {
      std::string lower;
      for (char c : prefix) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      bool raw = lower.find('r') != std::string::npos, bytes = lower.find('b') != std::string::npos;
      if (!(lower.empty() || lower == "r" || lower == "u" || lower == "b" || lower == "br" || lower == "rb"))
        return std::nullopt;  // f-strings are not literals
      (bytes ? any_bytes : any_text) = true;
      if (any_bytes && any_text) return std::nullopt;
      if (!one_string(raw, bytes, out)) return std::nullopt;
      // Another literal follows?
      skip();
      std::size_t save = pos_;
      std::size_t start = pos_;
      while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_])) && pos_ - start < 2) ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
        prefix = s_.substr(start, pos_ - start);
        continue;
      }
      pos_ = save;
      break;
    }
    return json::value(json::string(out));
  }

  bool one_string(bool raw, bool bytes, std::string& out) {
    char quote = s_[pos_];
    bool triple = s_.substr(pos_, 3) == std::string(3, quote);
    pos_ += triple ? 3 : 1;
    while (true) {
      if (pos_ >= s_.size()) return false;
      char c = s_[pos_];
      if (triple ? s_.substr(pos_, 3) == std::string(3, quote) : c == quote) {
        pos_ += triple ? 3 : 1;
        return true;
      }
      if (c == '\n' && !triple) return false;
      if (bytes && static_cast<unsigned char>(c) >= 0x80) return false;
      if (c != '\\') {
        out += c;
        ++pos_;
        continue;
      }
      if (pos_ + 1 >= s_.size()) return false;
      char e = s_[pos_ + 1];
      if (raw) {  // the backslash stays, and keeps the quote from closing
        out += c;
        out += e;
        pos_ += 2;
        continue;
      }
      pos_ += 2;
      switch (e) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': case 'u': case 'U': {
          if (bytes && e != 'x') {
            out += '\\';
            out += e;
            break;
          }
          std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (pos_ + n > s_.size()) return false;
          std::uint32_t code = 0;
          auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + n, code, 16);
          if (ec != std::errc() || p != s_.data() + pos_ + n) return false;
          pos_ += n;
          if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;  // not UTF-8 text
          if (bytes && code >= 0x80) return false;  // a byte that is not UTF-8 on its own
          append_utf8(out, code);
          break;
        }
        case 'N': return false;
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t code = static_cast<std::uint32_t>(e - '0');
            for (int k = 0; k < 2 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7'; ++k)
              code = code * 8 + static_cast<std::uint32_t>(s_[pos_++] - '0');
            if (bytes && code >= 0x80) return false;
            append_utf8(out, code);
          } else {
            out += '\\';
            out += e;
          }
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int nesting_ = 0;
  int depth_ = 0;
};

}  // namespace

json::value python_literal(std::string_view text) {
  // Python strips leading blanks before parsing (ast.literal_eval).
  if (auto v = Parser(text).whole()) {
    // A value with a NUL or not UTF-8 stays as the text.
    return *v;
  }
  return json::value(json::string(text));
}

}  // namespace responder::inventory
