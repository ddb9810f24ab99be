// The manual page responder(1), in roff with the man macros: every command
// with its arguments, options and examples as the command outline has them,
// and what no command definition holds (exit status, environment, files).
#pragma once

#include <string>
#include <string_view>

#include "responder/command_outline.h"

namespace responder {

// `program` is the outline of the whole command line; `date` (YYYY-MM-DD)
// goes in the page's title line.
std::string manual_page(const CommandOutline& program, std::string_view version, std::string_view date);

}  // namespace responder
