#include "responder/targets/evidence_relay.h"

namespace responder::targets {
namespace {
EvidenceArrivalsMaker& registered() {
  static EvidenceArrivalsMaker maker = nullptr;
  return maker;
}
}  // namespace

void register_evidence_arrivals(EvidenceArrivalsMaker maker) { registered() = maker; }

std::unique_ptr<EvidenceArrivals> make_evidence_arrivals(const StepContext& context, const EvidenceSource& source) {
  return registered() ? registered()(context, source) : nullptr;
}

}  // namespace responder::targets
