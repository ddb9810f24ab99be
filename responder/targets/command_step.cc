// responder step: the far side of a remote step. One JSON request on
// standard input; progress lines, then one answer line, on standard output
// (step_protocol.h). Nothing else is written to standard output.
#include <CLI/CLI.hpp>

#include <boost/system/system_error.hpp>

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/interrupt.h"
#include "responder/targets/far_side_lock.h"
#include "responder/targets/far_side_relay.h"
#include "responder/targets/step_attachment.h"
#include "responder/targets/step_service.h"

namespace responder::targets {
namespace {

constexpr std::size_t kMaxRequest = 64 * 1024 * 1024;

// Everything on standard output goes through one writer: progress lines
// from the module's threads, evidence frames and the answer never interleave.
FarSideOutput& output() {
  static FarSideOutput& out = *new FarSideOutput;  // never destroyed, like the relay
  return out;
}

class ProgressLines final : public ProgressSink {
 public:
  void progress(std::uint64_t done, std::uint64_t total, const std::string& unit, const std::string& note) override {
    (void)output().line(
        json::object{{"progress", json::object{{"done", done}, {"total", total}, {"unit", unit}, {"note", note}}}});
  }
};

int answer(const StepAnswer& a) {
  (void)output().line(json::object{{"answer", answer_to_json(a)}});
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
// `rest` keeps what followed the request's line (the controller's later
// lines, when it was quick).
Result<std::string> read_request_line(std::string& rest) {
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(0, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (auto nl = text.find('\n'); nl != std::string::npos) {
      rest = text.substr(nl + 1);
      text.resize(nl);
      return text;
    }
    if (text.size() > kMaxRequest) return bad_input("the step request is larger than 64 MiB");
  }
  return text;  // a request without its newline, then end of input: still one request
}

// After the request the controller writes only its answers to evidence
// items; they go to the relay. The end of input stops the step.
void listen_to_controller(FarSideRelay& relay, std::string rest) {
  std::thread([&relay, rest = std::move(rest)]() mutable {
    constexpr std::size_t kMaxLine = 16u << 20;
    std::string line = std::move(rest);
    char buffer[65536];
    while (true) {
      std::size_t nl;
      while ((nl = line.find('\n')) != std::string::npos) {
        relay.controller_said(std::string_view(line).substr(0, nl));
        line.erase(0, nl + 1);
      }
      // The controller writes short lines: one this long is not it.
      if (line.size() > kMaxLine) break;
      ssize_t n = ::read(0, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    relay.controller_gone();
    ::kill(::getpid(), SIGTERM);
  }).detach();
}

int serve(const GlobalOptions& globals) {
  install_interrupt_handlers();
  // A controller that went away is a failed write (FarSideOutput), and the
  // step stops at a safe point; never a signal that kills it mid-module.
  std::signal(SIGPIPE, SIG_IGN);
  std::string rest;
  auto text = read_request_line(rest);
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
  // Another version is refused before its attachment is taken in.
  if (request->version != responder_version()) {
    StepAnswer refused = version_refusal(request->version);
    refused.identity = this_host_identity();
    return answer(refused);
  }
  // The attachment is here and checked before anything may act on it.
  std::unique_ptr<StagedAttachment> attachment;
  if (request->attachment) {
    auto received = receive_attachment(*request->attachment, rest, 0);
    if (!received) return answer(refused_request(received.error()));
    attachment = std::move(*received);
  }
  // Never destroyed: the listening thread may still use it while the
  // process exits.
  FarSideRelay& relay = *new FarSideRelay(output());
  listen_to_controller(relay, std::move(rest));
  ProgressLines progress;
  // One operation at a time on a step of an incident on this host (plan
  // changes nothing and needs no turn), taken before "started": while it
  // waits, nothing has run here. Shorter than the controller's wait for a
  // read-only answer, so a waiting verify says why.
  std::optional<FarSideLock> turn;
  if (!request->incident_id.empty() && request->operation != Operation::plan) {
    auto wait = request->timeout.count() > 0 ? request->timeout : std::chrono::milliseconds(std::chrono::minutes(4));
    std::string incident = request->incident_id;
    if (!request->incident_instance.empty()) incident += "@" + request->incident_instance;
    auto taken = FarSideLock::acquire(incident, request->step_id, request->host,
                                      std::chrono::steady_clock::now() + wait, &progress);
    if (!taken) return answer(refused_request(taken.error()));
    turn.emplace(std::move(*taken));
    if (interrupt_requested().load())
      return answer(refused_request(interruption("the controller went away before this step began; nothing was done")));
    if (request->attempt > 0) {
      if (request->operation == Operation::apply && request->attempt <= turn->fenced_attempt())
        return answer(refused_request(
            interruption("attempt " + std::to_string(request->attempt) +
                         " of this step on this host was already found not to have taken effect; this late request "
                         "of it is void; nothing was done")));
      if (request->operation == Operation::verify && !request->receipt) {
        if (auto fenced = turn->fence(request->attempt); !fenced) return answer(refused_request(fenced.error()));
      }
    }
  }
  // From here on the step may act: the controller must not read a lost
  // connection after this line as "nothing ran there".
  (void)output().line(json::object{{"started", true}});
  auto env = open_environment(globals);
  if (!env) return answer(refused_request(env.error()));
  return answer(serve_step_request(*request, *env, &progress, {}, &relay, attachment.get()));
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
