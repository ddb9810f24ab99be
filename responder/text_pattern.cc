#include "responder/text_pattern.h"

#include <regex.h>

#include <cctype>

namespace responder {

struct TextPattern::Compiled {
  regex_t regex{};
  ~Compiled() { regfree(&regex); }
};

Result<TextPattern> TextPattern::compile(const std::string& expression) {
  for (std::size_t i = 0; i + 1 < expression.size(); ++i) {
    if (expression[i] != '\\') continue;
    if (std::isalnum(static_cast<unsigned char>(expression[i + 1])))
      return bad_input("pattern '" + expression + "': '\\" + expression[i + 1] +
                       "' is not POSIX; write a bracket expression such as [0-9] or [[:space:]]");
    ++i;
  }
  auto compiled = std::make_shared<Compiled>();
  if (int rc = regcomp(&compiled->regex, expression.c_str(), REG_EXTENDED | REG_NOSUB); rc != 0) {
    char why[256];
    regerror(rc, &compiled->regex, why, sizeof why);
    // regcomp leaves nothing to free when it fails; keep ~Compiled from trying.
    compiled->regex = regex_t{};
    return bad_input("pattern '" + expression + "' is not a POSIX extended regular expression: " + why);
  }
  TextPattern out;
  out.compiled_ = std::move(compiled);
  out.source_ = expression;
  return out;
}

bool TextPattern::matches(std::string_view text) const {
  if (!compiled_ || text.size() > kMaxPatternText || text.find('\0') != std::string_view::npos) return false;
  std::string subject(text);
  return regexec(&compiled_->regex, subject.c_str(), 0, nullptr, 0) == 0;
}

}  // namespace responder
