// The `pattern:` of a schema parameter: a POSIX extended regular expression
// (regcomp/regexec), matched anywhere in the text like grep -E.
//
// Why not std::regex: libstdc++'s matcher recurses once per character of the
// subject, so a long parameter (an `account.lock` user of 100,000 characters)
// overflows the stack. glibc's regexec walks the text in a loop with its state
// on the heap. On top of that, text longer than kMaxPatternText is refused
// before matching: everything a schema pattern describes is a name, and the
// bound keeps the matching time small whatever the engine.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder {

// Longest text (bytes) a pattern is matched against.
inline constexpr std::size_t kMaxPatternText = 4096;

class TextPattern {
 public:
  // Compiles `expression`. A backslash before a letter or digit is refused:
  // ECMAScript's \d or \s would silently mean something else here.
  static Result<TextPattern> compile(const std::string& expression);

  // True when the pattern matches somewhere in `text`; text holding a NUL or
  // longer than kMaxPatternText never matches.
  bool matches(std::string_view text) const;
  const std::string& source() const { return source_; }

 private:
  struct Compiled;
  std::shared_ptr<const Compiled> compiled_;
  std::string source_;
};

}  // namespace responder
