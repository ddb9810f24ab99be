// User text inside messages: always one line, never a terminal escape.
//
// A key, name or value taken from a playbook, a configuration file or the
// command line may hold a newline (forging a second, unlocated message), an
// ESC (driving the reader's terminal) or bytes that are not UTF-8. These
// functions make such text visible instead of letting it act.
#pragma once

#include <string>
#include <string_view>

namespace responder {

// `text` with every control character (C0, DEL, C1) written as an escape
// (\n, \r, \t, \x1b, \u009b) and every byte that is not part of valid UTF-8
// written as \xNN. The result holds no control character and is valid UTF-8.
std::string one_line(std::string_view text);

// `text` between single quotes for a message, made one_line, and shortened
// to its first characters with its length noted when it is too long to be
// worth reading: a 100,000-character name does not fill the screen.
std::string in_quotes(std::string_view text);

}  // namespace responder
