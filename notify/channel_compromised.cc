// channel.compromised: a step marks notification channels as in the
// attacker's hands (`when: finding...`), as `responder channel ID
// --compromised NAME` does from the command line. The mark is the step's
// journaled receipt; notify.send reads it from there.
#include "responder/config.h"
#include "responder/message_text.h"
#include "responder/record_module.h"

namespace responder::notify {
namespace {

class ChannelCompromised final : public RecordModule {
 public:
  ChannelCompromised() : RecordModule("the channels are marked compromised", "no mark in the journal") {}
  std::string_view name() const override { return "channel.compromised"; }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    PlanResult plan;
    json::object section = context.config ? context.config->section("notify") : json::object{};
    const json::value* channels = section.if_contains("channels");
    for (auto& c : params.at("channels").as_array()) {
      std::string name(c.as_string());
      if (!channels || !channels->is_object() || !channels->get_object().contains(name))
        return bad_input("channels: no channel " + in_quotes(name) + " under notify.channels");
      plan.changes.push_back("stop sending over " + name + " for this incident: " + std::string(params.at("reason").as_string()));
    }
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    auto plan = this->plan(params, context);
    if (!plan) return plan.error();
    Receipt receipt;
    receipt.output = {{"compromised_channels", params.at("channels")}, {"reason", params.at("reason")}};
    receipt.changes = plan->changes;
    return receipt;
  }
};

RESPONDER_MODULE(ChannelCompromised);

}  // namespace
}  // namespace responder::notify
