// `responder-test`: the real responder with test.mark linked in, and the
// crash-test file system (fault_file_system.h): RESPONDER_FAULT cuts the
// power or fails a write or sync of a log at a chosen record, and
// RESPONDER_KILL_AFTER_RECORD=N kills the process with SIGKILL right after
// journal record N is durable, as kill -9 would.
#include "responder/command.h"
#include "tests/support/fault_file_system.h"

int main(int argc, char** argv) {
  responder::testing::install_fault_from_environment();
  return responder::run_command_line(argc, argv);
}
