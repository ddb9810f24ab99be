// responder step: the far side of a remote step. One JSON request on
// standard input; progress lines, then one answer line, on standard output
// (step_protocol.h). Nothing else is written to standard output.
#include <CLI/CLI.hpp>

#include <boost/system/system_error.hpp>

#include <iostream>
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

int serve(const GlobalOptions& globals) {
  install_interrupt_handlers();
  std::string text;
  char buffer[65536];
  while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
    if (text.size() > kMaxRequest) return answer(refused_request(bad_input("the step request is larger than 64 MiB")));
  }
  json::value value;
  try {
    value = parse_json(text);
  } catch (const boost::system::system_error& e) {
    return answer(refused_request(bad_input("the step request is not JSON: " + e.code().message())));
  } catch (const std::exception&) {
    return answer(refused_request(bad_input("the step request is not JSON")));
  }
  auto request = request_from_json(value);
  if (!request) return answer(refused_request(request.error()));
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
