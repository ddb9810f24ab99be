// The one step protocol every transport speaks (DESIGN.md, "Targets"): the
// controller sends the far side's `responder step` one JSON request on
// standard input and reads its standard output, one JSON object per line:
// {"started": true}, zero or more {"progress": {done, total, unit, note}}
// lines, then exactly one {"answer": {...}} line. The module code that answers is the code that
// runs locally; no module is written twice.
//
// The request is the first line of standard input, which the controller
// then keeps open: its end asks the far side to stop at a safe point. The
// far side's first line, once it has a request it will act on, is
// {"started": true}: after it, a lost connection means "outcome unknown,
// verify", never "nothing ran".
//
// Request (protocol 1):
//   {"protocol": 1, "version": "0.1.0", "operation": "plan" | "apply" |
//    "verify" | "undo" | "confirm" | "reconcile", "module", "params",
//    "planned" (the journaled plan detail), "receipt" (or null),
//    "confirmed" (reconcile), "just_applied" (verify), "then_verify" (apply:
//    verify in the same call), "incident", "step",
//    "host" (the inventory name), "actor", "journal_witness",
//    "management" [CIDR...] (protected there besides the far side's own
//    SSH_CONNECTION peer, i.e. the controller), "timeout_ms" (0: none),
//    "drill", "attachment": {"sha256", "size"} or null}
// It carries nothing the journal would not hold: no secret.
//
// With an attachment (an artifact to install), exactly `size` raw bytes
// follow the request's line on standard input, before anything else the
// controller writes; the far side stores and checks them (SHA-256 and size)
// before it says {"started": true}, so a short or changed stream is refused
// with nothing run.
//
// Answer:
//   {"ok": true, "version", "identity": {"hostname", "machine_id"},
//    "plan": {"changes", "detail"} | "receipt": {undo, output, changes} |
//    "verification": {"in_effect", "detail", "recovered"}} (apply with
//    then_verify: the receipt and, when the verify answered, the verification)
//   {"ok": false, "version", "identity", "error": {"kind": "failed" |
//    "bad_input" | "refused" | "interrupted" | "version", "message"}}
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/module.h"
#include "responder/result.h"

namespace responder::targets {

inline constexpr int kStepProtocol = 1;

// This build's version, which both sides must share exactly.
std::string_view responder_version();

// The largest attachment a far side takes.
inline constexpr std::uint64_t kMaxAttachment = std::uint64_t{4} << 30;

// The bytes that follow a request's line, as the request announces them.
struct AttachmentHeader {
  std::string sha256;  // 64 lowercase hex digits
  std::uint64_t size = 0;
};

enum class Operation { plan, apply, verify, undo, confirm, reconcile };
std::string_view operation_name(Operation op);

struct StepRequest {
  Operation operation = Operation::plan;
  std::string module;
  json::object params;
  json::object planned;
  std::optional<Receipt> receipt;
  bool confirmed = false;
  bool just_applied = false;
  // apply: verify right after, in the same call, with the receipt just made
  // (one ssh session per host fewer); the answer then carries both, or only
  // the receipt when the verify itself could not answer.
  bool then_verify = false;
  std::string incident_id, step_id, host, actor, journal_witness;
  std::vector<std::string> management;
  std::chrono::milliseconds timeout{0};
  bool drill = false;
  // The controller's attempt of this step on this host (0: none given). A
  // verify without a receipt fences its attempt on the far side, so a late
  // apply of that attempt, still on its way from a controller that died,
  // never runs after a newer controller judged it "not in effect".
  int attempt = 0;
  // incident_instance() of the controller's journal: the far side's lock
  // and fence belong to this incident, not to every incident of its id.
  std::string incident_instance;
  std::string version;  // filled by to_json when empty
  std::optional<AttachmentHeader> attachment;
  // The controller's side only: the bytes `attachment` announces, sent after
  // the request's line by the transport, never in its JSON.
  std::shared_ptr<const std::string> attachment_bytes;
};

struct HostIdentity {
  std::string hostname, machine_id;
};

struct StepAnswer {
  bool ok = false;
  std::string version;
  HostIdentity identity;
  Error error;                   // when !ok
  bool version_mismatch = false;  // error kind "version"
  std::optional<PlanResult> plan;
  std::optional<Receipt> receipt;
  std::optional<Verification> verification;
};

json::object request_to_json(const StepRequest& request);
// The bytes a transport sends after the request's line: the attachment's
// when the request announces one and holds exactly that many, else none.
// A request whose bytes do not fit its header is refused by
// check_attachment before any transport starts.
const std::string* attachment_to_send(const StepRequest& request);
Status check_attachment(const StepRequest& request);
// Bad input names the field that is missing or of the wrong type (an
// attachment's hash that is not 64 lowercase hex digits, or a size that is 0
// or above kMaxAttachment, among them).
Result<StepRequest> request_from_json(const json::value& value);

json::object answer_to_json(const StepAnswer& answer);
Result<StepAnswer> answer_from_json(const json::value& value);

// Ok when `answer` is what `request` asks for: an ok answer from this very
// version carrying the plan, receipt or verification its operation returns.
// A far side may be compromised or broken; the controller never reads a
// field that is not there.
Status answer_fits(const StepRequest& request, const StepAnswer& answer);

// The answer that refuses a request from another version, saying what to
// install.
StepAnswer version_refusal(const std::string& theirs);

}  // namespace responder::targets
