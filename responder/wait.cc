// wait: pause for a duration or until a moment. The end time is fixed when the
// step is planned and journaled, so a resumed run waits only what is left.
#include <optional>
#include <thread>

#include "responder/clock.h"
#include "responder/duration.h"
#include "responder/journal.h"
#include "responder/record_module.h"

namespace responder {
namespace {

Result<SystemTime> end_time(const json::object& params, SystemTime from) {
  SystemTime end = from;
  auto pause = duration_param(params, "for");
  if (!pause) return pause.error();
  if (*pause) end = from + **pause;
  if (auto* u = params.if_contains("until")) {
    auto parsed = parse_rfc3339(u->get_string());
    if (!parsed) return parsed.error();
    end = std::max(end, *parsed);
  }
  return end;
}

// The end this step's first journaled plan fixed in this incident, if any.
// A journal that cannot be read (changed under the runner) is an error,
// never a reason to pick a new deadline.
Result<std::optional<SystemTime>> first_planned_end(StepContext& context) {
  if (!context.incident) return std::optional<SystemTime>();
  auto journal = context.incident->journal();
  if (!journal) return journal.error();
  for (auto& r : journal->records) {
    if (r.kind != "step.planned" || r.text("step") != context.step_id) continue;
    auto* detail = r.fields.if_contains("detail");
    auto* until = detail && detail->is_object() ? detail->get_object().if_contains("until") : nullptr;
    if (!until || !until->is_string()) return std::optional<SystemTime>();
    auto parsed = parse_rfc3339(until->get_string());
    return parsed ? std::optional<SystemTime>(*parsed) : std::optional<SystemTime>();
  }
  return std::optional<SystemTime>();
}

class Wait final : public RecordModule {
 public:
  std::string_view name() const override { return "wait"; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    auto end = end_time(params, std::chrono::system_clock::now());
    if (!end) return end.error();
    // Planned again after an interruption (Ctrl-C, then resume), the wait
    // ends when it was first journaled to end, as after kill -9: a resume
    // never moves the deadline.
    auto first = first_planned_end(context);
    if (!first) return first.error();
    if (*first) end = **first;
    PlanResult plan;
    plan.detail["until"] = format_rfc3339(*end);
    plan.changes.push_back("nothing changes; the playbook pauses until " + format_rfc3339(*end));
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    SystemTime end;
    if (auto* planned = context.planned ? context.planned->if_contains("until") : nullptr) {
      auto parsed = parse_rfc3339(planned->get_string());
      if (!parsed) return parsed.error();
      end = *parsed;
    } else {
      auto computed = end_time(params, std::chrono::system_clock::now());
      if (!computed) return computed.error();
      end = *computed;
    }
    // Whole seconds rounded up, so that 100% is said only when the wait is over.
    auto total = std::chrono::ceil<std::chrono::seconds>(end - std::chrono::system_clock::now());
    while (std::chrono::system_clock::now() < end) {
      if (context.interrupted && context.interrupted->load()) return interruption("wait interrupted; resume to continue waiting");
      if (context.expired()) return interruption("wait ran past the step's timeout");
      auto left = std::chrono::ceil<std::chrono::seconds>(end - std::chrono::system_clock::now());
      if (context.progress && total.count() > 0)
        context.progress->progress(static_cast<std::uint64_t>(total.count() - left.count()),
                                   static_cast<std::uint64_t>(total.count()), "s", "waiting until " + format_rfc3339(end));
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100),
                                    std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::system_clock::now()) +
                                        std::chrono::milliseconds(1)));
    }
    if (context.progress && total.count() > 0)
      context.progress->progress(static_cast<std::uint64_t>(total.count()), static_cast<std::uint64_t>(total.count()), "s",
                                 "waited until " + format_rfc3339(end));
    Receipt receipt;
    receipt.output["until"] = format_rfc3339(end);
    receipt.changes.push_back("waited until " + format_rfc3339(end));
    return receipt;
  }

  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object& planned,
                              StepContext&) const override {
    Verification v;
    if (receipt) {
      v.in_effect = true;
    } else if (auto* until = planned.if_contains("until")) {
      auto end = parse_rfc3339(until->get_string());
      v.in_effect = end && std::chrono::system_clock::now() >= *end;
      if (v.in_effect) {
        v.recovered = Receipt{};
        v.recovered->output["until"] = *until;
      }
    }
    v.detail = v.in_effect ? "the wait is over" : "still to wait";
    return v;
  }
};

RESPONDER_MODULE(Wait);

}  // namespace
}  // namespace responder
