// Runs another program the way modules must: an argv vector, never a shell
// command line, so that no parameter can be read as shell syntax.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "responder/result.h"

namespace responder {

struct ProgramRun {
  int exit_code = -1;  // -1 when the program was killed by a signal
  std::string out;     // standard output, at most 16 MiB kept
  std::string err;     // standard error, at most 1 MiB kept
};

// Runs argv[0] (looked up in PATH) with the remaining arguments, writes
// `input` to its standard input and closes it, and waits for it to end.
// Secrets belong in `input`, never in argv: argv is visible to every user in
// /proc. Fails when the program cannot be started, or when it is still
// running after `timeout` (it is killed first). A non-zero exit is not a
// failure here: the caller decides, usually through `describe_exit`.
Result<ProgramRun> run_program(const std::vector<std::string>& argv, std::string_view input = {},
                               std::chrono::milliseconds timeout = std::chrono::seconds(60));

// "`smbcontrol smbd reload-config` exited with 1: <first line of stderr>",
// for error messages.
std::string describe_exit(const std::vector<std::string>& argv, const ProgramRun& run);

// run_program where only success will do: a failure saying `what` and why
// (not started, timed out, or describe_exit) otherwise.
Status run_program_checked(const std::vector<std::string>& argv, const std::string& what,
                           std::chrono::milliseconds timeout = std::chrono::seconds(60));

// The executable `name` as execvp would find it in PATH (PATH unset: the
// default /usr/local/bin:/usr/bin:/bin; an empty entry is the current
// directory); `name` itself when it holds a '/'; empty when there is none.
// Done before fork: the child of a process with threads must not search.
std::string resolve_in_path(const std::string& name);

}  // namespace responder
