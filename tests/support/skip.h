// Ends a test case with ctest's skip code (77) and the reason on stderr,
// when `reason` (an expression giving a std::string) is not empty. Only for
// features truly absent here: no root, no namespaces, a missing program.
#pragma once

#include <cstdlib>
#include <iostream>
#include <string>

#define RESPONDER_SKIP_WHEN(reason)                       \
  do {                                                    \
    /* a name no caller uses: `reason` may name `why` */ \
    if (std::string responder_skip_reason_ = (reason);    \
        !responder_skip_reason_.empty()) {                \
      std::cerr << "SKIPPED: " << responder_skip_reason_ << "\n"; \
      std::_Exit(77);                                     \
    }                                                     \
  } while (0)
