#include "responder/targets/local_executor.h"

#include "responder/targets/step_service.h"

namespace responder::targets {
namespace {

class LocalExecutor final : public Executor {
 public:
  LocalExecutor(const Environment& environment, std::filesystem::path incident_dir)
      : environment_(environment), incident_dir_(std::move(incident_dir)) {}
  std::string_view transport() const override { return "local"; }
  std::string describe() const override { return "local (this process)"; }
  // Evidence collected in process goes to the store directly.
  Execution execute(const StepRequest& request, ProgressSink* progress, std::chrono::steady_clock::time_point,
                    EvidenceArrivals* = nullptr) override {
    Execution e;
    e.reached = true;
    // In process the controller and the host are one build: the request is
    // this version's, as request_to_json would have said.
    if (request.version.empty()) {
      StepRequest same = request;
      same.version = std::string(responder_version());
      e.answer = serve_step_request(same, environment_, progress, incident_dir_);
    } else {
      e.answer = serve_step_request(request, environment_, progress, incident_dir_);
    }
    return e;
  }

 private:
  const Environment& environment_;
  std::filesystem::path incident_dir_;
};

}  // namespace

std::unique_ptr<Executor> make_local_executor(const Environment& environment, const std::filesystem::path& incident_dir) {
  return std::make_unique<LocalExecutor>(environment, incident_dir);
}

}  // namespace responder::targets
