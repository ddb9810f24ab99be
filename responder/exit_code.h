// The exit codes promised to users and their scripts (INTERFACE.md).
#pragma once

#include "responder/result.h"

namespace responder {

enum ExitCode : int {
  kExitSuccess = 0,
  kExitStepFailed = 1,
  kExitBadInput = 2,
  kExitRefused = 3,
  kExitInterrupted = 4,
};

// Prints "responder: MESSAGE" on stderr; returns the error's exit code.
int report_error(const Error& error);

inline int exit_code_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::failed: return kExitStepFailed;
    case ErrorKind::bad_input: return kExitBadInput;
    case ErrorKind::refused: return kExitRefused;
    case ErrorKind::interrupted: return kExitInterrupted;
  }
  return kExitStepFailed;
}

}  // namespace responder
