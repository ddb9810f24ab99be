#include "responder/interrupt.h"

#include <csignal>

namespace responder {
namespace {
std::atomic<bool> flag{false};
extern "C" void on_signal(int) { flag.store(true); }
}  // namespace

const std::atomic<bool>& install_interrupt_handlers() {
  struct sigaction action{};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // A closed terminal is a request to stop too, not a death half-way.
  sigaction(SIGHUP, &action, nullptr);
  return flag;
}

const std::atomic<bool>& interrupt_requested() { return flag; }

}  // namespace responder
