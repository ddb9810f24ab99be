// Answers one step request with this process's own modules: what the far
// side's `responder step` does, and what the local executor does in
// process. The same code path either way, so a module behaves the same on
// every host.
#pragma once

#include <atomic>
#include <filesystem>

#include "responder/targets/step_protocol.h"

namespace responder {
struct Environment;
class ProgressSink;
}  // namespace responder

namespace responder::targets {

class EvidenceRelay;
class StagedAttachment;

// Runs `request` against the module registry. The safety rules are this
// host's (its configuration, --allow and its own SSH peer, which on a far
// side is the controller) plus the request's management ranges. Never
// throws; every failure is an answer with ok false.
// On a far side, `relay` carries the evidence a module collects to the
// controller's store, and `received` is the request's attachment as it
// arrived; in process, the attachment is staged here from the request's
// bytes. A request whose attachment is neither is refused.
StepAnswer serve_step_request(const StepRequest& request, const Environment& environment, ProgressSink* progress,
                              const std::filesystem::path& incident_dir = {}, EvidenceRelay* relay = nullptr,
                              const StagedAttachment* received = nullptr);

// hostname and /etc/machine-id of this host (empty where unreadable).
HostIdentity this_host_identity();

}  // namespace responder::targets
