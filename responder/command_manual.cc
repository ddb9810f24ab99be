// `responder manual`: the manual page responder(1) in roff, written from the
// command line this very binary parses. The build installs its output; it is
// hidden from --help because people type `man responder`, and reach an
// uninstalled build's page with `responder manual | man -l -`.
#include <CLI/CLI.hpp>
#include <sys/stat.h>

#include <cstdlib>
#include <ctime>
#include <iostream>

#include "responder/command.h"
#include "responder/command_outline.h"
#include "responder/exit_code.h"
#include "responder/manual_page.h"
#include "responder/version.h"

namespace responder {
namespace {

// The page's date: SOURCE_DATE_EPOCH when a reproducible build sets it, else
// when this binary was built (its modification time), so that the page of one
// build always says the same.
std::string page_date() {
  std::time_t when = std::time(nullptr);
  struct stat program {};
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH"); epoch && *epoch)
    when = std::strtoll(epoch, nullptr, 10);
  else if (::stat("/proc/self/exe", &program) == 0)
    when = program.st_mtime;
  std::tm utc{};
  ::gmtime_r(&when, &utc);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &utc);
  return text;
}

void setup_manual(CLI::App& command, const GlobalOptions&, CommandAction& action) {
  command.group("");  // hidden from --help
  command.footer("Example:\n  responder manual | man -l -");
  action = [&command] {
    std::cout << manual_page(outline_command_line(*command.get_parent()), kResponderVersion, page_date()) << std::flush;
    return std::cout ? kExitSuccess : kExitStepFailed;
  };
}

const CommandRegistration manual_registration{
    {"manual", "print the manual page responder(1) in roff", 96, setup_manual}};

}  // namespace
}  // namespace responder
