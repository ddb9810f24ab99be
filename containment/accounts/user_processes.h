// Ending every process that runs as a user: what "kill the sessions" of a
// locked account means on a host without (or besides) logind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>

#include "responder/result.h"

namespace responder::accounts {

struct ProcessTermination {
  std::size_t terminated = 0;  // ended by SIGTERM within the grace period
  std::size_t killed = 0;      // still there after it, ended by SIGKILL
};

// Sends SIGTERM to every process (in this PID namespace) whose real,
// effective or saved uid is `uid`, waits up to `grace` for them to end, then
// SIGKILLs what is left, and rescans until none is left (a process may fork
// while it is being killed). The calling process is never signalled.
// Zombies count as ended: they run no code and hold no session. Fails when
// processes of the user survive SIGKILL (uninterruptible sleep, or a uid we
// may not signal), naming their pids.
Result<ProcessTermination> terminate_user_processes(uid_t uid, std::chrono::milliseconds grace);

}  // namespace responder::accounts
