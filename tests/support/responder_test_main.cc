// `responder-test`: the real responder with test.mark linked in, and a fault
// hook: RESPONDER_KILL_AFTER_RECORD=N kills the process with SIGKILL right
// after journal record N is durable, as a power cut or kill -9 would.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "responder/command.h"
#include "responder/journal.h"

int main(int argc, char** argv) {
  if (const char* n = std::getenv("RESPONDER_KILL_AFTER_RECORD"); n && *n) {
    std::uint64_t kill_after = std::stoull(n);
    responder::JournalWriter::set_after_append_hook([kill_after](const responder::JournalRecord& record) {
      if (record.seq == kill_after) ::kill(::getpid(), SIGKILL);
    });
  }
  return responder::run_command_line(argc, argv);
}
