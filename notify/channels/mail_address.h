// Mail addresses the smtp channel sends from and to.
#pragma once

#include <string_view>

#include "responder/result.h"

namespace responder::notify {

// Success when `address` is local@domain in the plain form: a dot-atom
// local part (letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~,
// dots only between them) of at most 64 characters, one @, and a domain of
// letter-digit-hyphen labels, at most 254 characters in all. Anything else
// (CR, LF, spaces, angle brackets, quotes, a second @, non-ASCII) is bad
// input, so an address can never end an SMTP command or add a mail header.
Status check_mail_address(std::string_view address);

}  // namespace responder::notify
