// responder step: the far side of a remote step. One JSON request on
// standard input; progress lines, then one answer line, on standard output
// (step_protocol.h). Nothing else is written to standard output.
#include <CLI/CLI.hpp>

#include <boost/system/system_error.hpp>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <iostream>
#include <thread>
#include <iterator>
#include <mutex>

#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/interrupt.h"
#include "responder/targets/step_service.h"

namespace responder::targets {
namespace {

constexpr std::size_t kMaxRequest = 64 * 1024 * 1024;

class ProgressLines final : public ProgressSink {
 public:
  void progress(std::uint64_t done, std::uint64_t total, const std::string& unit, const std::string& note) override {
    std::lock_guard lock(mutex_);
    std::cout << to_json_text(json::object{
                     {"progress", json::object{{"done", done}, {"total", total}, {"unit", unit}, {"note", note}}}})
              << std::endl;
  }

 private:
  std::mutex mutex_;
};

int answer(const StepAnswer& a) {
  std::cout << to_json_text(json::object{{"answer", answer_to_json(a)}}) << std::endl;
  return a.ok ? kExitSuccess : (a.error.kind == ErrorKind::bad_input ? kExitBadInput : kExitStepFailed);
}

StepAnswer refused_request(Error error) {
  StepAnswer a;
  a.version = std::string(responder_version());
  a.identity = this_host_identity();
  a.error = std::move(error);
  return a;
}

// The request is the first line of standard input. Standard input then
// stays open for as long as the controller waits: its end (the controller
// gone, ssh killed at the deadline, the connection lost) asks the step to
// stop at a safe point, as Ctrl-C would, so a far side never goes on acting
// for a controller that stopped listening.
Result<std::string> read_request_line() {
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(0, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (auto nl = text.find('\n'); nl != std::string::npos) {
      text.resize(nl);
      return text;
    }
    if (text.size() > kMaxRequest) return bad_input("the step request is larger than 64 MiB");
  }
  return text;  // a request without its newline, then end of input: still one request
}

void stop_when_input_ends() {
  std::thread([] {
    char buffer[4096];
    while (true) {
      ssize_t n = ::read(0, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
    }
    ::kill(::getpid(), SIGTERM);
  }).detach();
}

int serve(const GlobalOptions& globals) {
  install_interrupt_handlers();
  auto text = read_request_line();
  if (!text) return answer(refused_request(text.error()));
  json::value value;
  try {
    value = parse_json(*text);
  } catch (const boost::system::system_error& e) {
    return answer(refused_request(bad_input("the step request is not JSON: " + e.code().message())));
  } catch (const std::exception&) {
    return answer(refused_request(bad_input("the step request is not JSON")));
  }
  auto request = request_from_json(value);
  if (!request) return answer(refused_request(request.error()));
  // From here on the step may act: the controller must not read a lost
  // connection after this line as "nothing ran there".
  std::cout << to_json_text(json::object{{"started", true}}) << std::endl;
  stop_when_input_ends();
  auto env = open_environment(globals);
  if (!env) return answer(refused_request(env.error()));
  ProgressLines progress;
  return answer(serve_step_request(*request, *env, &progress));
}

void setup_step(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  command.footer("Run by the controller over ssh or inside a lab namespace; not for people.\n"
                 "Example:\n  echo '{\"protocol\":1,...}' | responder step");
  action = [&globals] { return serve(globals); };
}

const CommandRegistration step_registration{
    {"step", "the far side of a remote step: one JSON request on stdin, one JSON answer on stdout", 90, setup_step}};

}  // namespace
}  // namespace responder::targets
