// test.mark: appends "<incident> <step>" to a file; verify looks for that
// line; undo removes it and logs the undo order to FILE.undo. With
// RESPONDER_KILL_IN_APPLY=<step> the process kills itself after the mark is
// written and before the receipt is journaled: the window crash recovery
// must close. With RESPONDER_KILL_IN_APPLY_BEFORE_MARK=<step> the first
// attempt dies before the mark, so the resumed run applies again; the
// receipt's `plan_saw` tells which plan that apply was given (the plan's
// `planned_after_attempts`: how many attempts had run when it was made).
#include <signal.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "responder/duration.h"
#include "responder/module.h"
#include "responder/targets/step_attachment.h"

namespace responder {
namespace {

std::string mark_of(const StepContext& context) { return context.incident_id + " " + context.step_id; }

std::vector<std::string> lines_of(const std::string& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class TestMark final : public Module {
 public:
  std::string_view name() const override { return "test.mark"; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    PlanResult plan;
    std::string file(params.at("file").get_string());
    plan.changes.push_back("append '" + mark_of(context) + "' to " + file);
    plan.detail["planned_after_attempts"] = static_cast<std::int64_t>(lines_of(file + ".attempts." + context.step_id).size());
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    std::string file(params.at("file").get_string());
    if (params.at("refuse").get_bool()) return refusal("test.mark refuses, as a safety rule would");
    auto attempts_file = file + ".attempts." + context.step_id;
    int attempts = static_cast<int>(lines_of(attempts_file).size()) + 1;
    std::ofstream(attempts_file, std::ios::app) << attempts << "\n";
    if (attempts <= params.at("fail_first").get_int64()) return failure("test.mark fails attempt " + std::to_string(attempts));
    if (const char* kill_step = std::getenv("RESPONDER_KILL_IN_APPLY_BEFORE_MARK");
        kill_step && context.step_id == kill_step && attempts == 1)
      ::kill(::getpid(), SIGKILL);
    if (auto* sleep = params.if_contains("sleep")) {
      auto d = parse_duration(sleep->get_string());
      auto until = std::chrono::steady_clock::now() + (d ? *d : Duration(0));
      while (std::chrono::steady_clock::now() < until) {
        if (context.should_stop()) return interruption("test.mark stopped while sleeping");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    // What arrived with the request, copied where the test can compare it.
    if (auto* copy = params.if_contains("attachment_copy"); copy && context.attachment) {
      std::error_code ec;
      std::filesystem::copy_file(context.attachment->path(), std::string(copy->get_string()), ec);
      if (ec) return failure("cannot copy the attachment: " + ec.message());
    }
    std::ofstream(file, std::ios::app) << mark_of(context) << "\n" << std::flush;
    if (const char* kill_step = std::getenv("RESPONDER_KILL_IN_APPLY"); kill_step && context.step_id == kill_step)
      ::kill(::getpid(), SIGKILL);
    Receipt receipt;
    receipt.undo["file"] = file;
    receipt.undo["mark"] = mark_of(context);
    receipt.output["mark"] = mark_of(context);
    receipt.output["attempts"] = attempts;
    if (context.attachment)
      receipt.output["attachment"] = json::object{{"sha256", context.attachment->sha256()},
                                                  {"size", context.attachment->size()},
                                                  {"path", context.attachment->path().string()}};
    if (context.planned && context.planned->contains("planned_after_attempts"))
      receipt.output["plan_saw"] = context.planned->at("planned_after_attempts");
    receipt.changes.push_back("appended '" + mark_of(context) + "' to " + file);
    return receipt;
  }

  Result<Verification> verify(const json::object& params, const Receipt* receipt, const json::object&,
                              StepContext& context) const override {
    std::string file(params.at("file").get_string());
    auto lines = lines_of(file);
    Verification v;
    v.in_effect = std::find(lines.begin(), lines.end(), mark_of(context)) != lines.end();
    v.detail = v.in_effect ? "mark present" : "mark absent";
    if (v.in_effect && !receipt) {
      v.recovered = Receipt{};
      v.recovered->undo["file"] = file;
      v.recovered->undo["mark"] = mark_of(context);
      v.recovered->output["mark"] = mark_of(context);
      v.recovered->output["attempts"] =
          static_cast<std::int64_t>(lines_of(file + ".attempts." + context.step_id).size());
      if (context.planned && context.planned->contains("planned_after_attempts"))
        v.recovered->output["plan_saw"] = context.planned->at("planned_after_attempts");
      v.recovered->changes.push_back("appended '" + mark_of(context) + "' to " + file);
    }
    return v;
  }

  Status undo(const Receipt& receipt, StepContext& context) const override {
    std::string file(receipt.undo.at("file").get_string());
    std::string mark(receipt.undo.at("mark").get_string());
    auto lines = lines_of(file);
    std::ofstream out(file, std::ios::trunc);
    for (auto& line : lines)
      if (line != mark) out << line << "\n";
    std::ofstream(file + ".undo", std::ios::app) << context.step_id << "\n";
    return {};
  }
};

RESPONDER_MODULE(TestMark);

}  // namespace
}  // namespace responder
