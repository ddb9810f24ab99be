// SIGINT, SIGTERM and SIGHUP ask a run to stop at a safe point; the
// incident stays resumable (exit 4).
#pragma once

#include <atomic>

namespace responder {

// Installs the handlers once; returns the flag they set.
const std::atomic<bool>& install_interrupt_handlers();
const std::atomic<bool>& interrupt_requested();

}  // namespace responder
