#include "notify/channels/mail_address.h"

#include <string>

#include "responder/message_text.h"

namespace responder::notify {
namespace {

bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_atext(char c) { return is_alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos; }

// Non-empty runs of `allowed` characters separated by single dots.
template <class Allowed>
bool dotted(std::string_view text, Allowed allowed) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '.') {
      if (text[i - 1] == '.') return false;
    } else if (!allowed(text[i])) {
      return false;
    }
  }
  return true;
}

bool domain_ok(std::string_view domain) {
  if (!dotted(domain, [](char c) { return is_alnum(c) || c == '-'; })) return false;
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    std::string_view label = domain.substr(start, end - start);
    if (label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Status check_mail_address(std::string_view address) {
  auto refuse = [&](const std::string& why) { return bad_input("mail address " + in_quotes(address) + ": " + why); };
  if (address.size() > 254) return refuse("longer than 254 characters");
  std::size_t at = address.find('@');
  if (at == std::string_view::npos) return refuse("no @");
  if (address.find('@', at + 1) != std::string_view::npos) return refuse("more than one @");
  std::string_view local = address.substr(0, at), domain = address.substr(at + 1);
  if (local.size() > 64) return refuse("the part before @ is longer than 64 characters");
  if (!dotted(local, is_atext))
    return refuse("the part before @ must be letters, digits and !#$%&'*+-/=?^_`{|}~ with single dots between them");
  if (!domain_ok(domain)) return refuse("the part after @ must be a domain name (letters, digits, hyphens, dots)");
  return {};
}

}  // namespace responder::notify
