// What /proc/PID/stat says of a process, read so that its name (which may
// hold spaces and parentheses) never shifts the fields after it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace responder {

// The fields after "(comm)": [0] is the state (field 3 of proc(5)), [19]
// the start time (field 22). Empty when the process is gone.
std::vector<std::string> process_stat_fields(pid_t pid);

// When the process started, in clock ticks since boot; 0 when it is gone.
// A PID and its start time name one process: a PID the kernel gave to
// another process since has another start time.
std::uint64_t process_start_time(pid_t pid);

// The process exists and has not ended: a zombie (ended, not yet reaped by
// its parent, its files already closed) does not run.
bool process_running(pid_t pid);

}  // namespace responder
