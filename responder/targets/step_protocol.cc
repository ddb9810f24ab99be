#include "responder/targets/step_protocol.h"

#include "responder/incident_state.h"
#include "responder/message_text.h"
#include "responder/version.h"

namespace responder::targets {

std::string_view responder_version() { return kResponderVersion; }

std::string_view operation_name(Operation op) {
  switch (op) {
    case Operation::plan: return "plan";
    case Operation::apply: return "apply";
    case Operation::verify: return "verify";
    case Operation::undo: return "undo";
    case Operation::confirm: return "confirm";
    case Operation::reconcile: return "reconcile";
  }
  return "plan";
}

namespace {

std::optional<Operation> operation_from(std::string_view name) {
  for (Operation op : {Operation::plan, Operation::apply, Operation::verify, Operation::undo, Operation::confirm,
                       Operation::reconcile})
    if (operation_name(op) == name) return op;
  return std::nullopt;
}

ErrorKind kind_from(std::string_view name) {
  if (name == "bad_input") return ErrorKind::bad_input;
  if (name == "refused" || name == "version") return ErrorKind::refused;
  if (name == "interrupted") return ErrorKind::interrupted;
  return ErrorKind::failed;
}

// Reads fields of one JSON object, remembering the first that is wrong.
class Fields {
 public:
  Fields(const json::object& o, std::string what) : o_(o), what_(std::move(what)) {}
  std::string text(std::string_view key, bool required = false) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) {
      if (required) fail(key, "is missing");
      return "";
    }
    if (!v->is_string()) {
      fail(key, "is not text");
      return "";
    }
    return std::string(v->get_string());
  }
  json::object object(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return {};
    if (!v->is_object()) fail(key, "is not an object");
    return v->is_object() ? v->get_object() : json::object{};
  }
  bool flag(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return false;
    if (!v->is_bool()) fail(key, "is not true or false");
    return v->is_bool() && v->get_bool();
  }
  std::int64_t integer(std::string_view key) {
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return 0;
    if (!v->is_int64() || v->get_int64() < 0) fail(key, "is not a whole number >= 0");
    return v->is_int64() ? v->get_int64() : 0;
  }
  std::vector<std::string> strings(std::string_view key) {
    std::vector<std::string> out;
    auto* v = o_.if_contains(key);
    if (!v || v->is_null()) return out;
    if (!v->is_array()) {
      fail(key, "is not a list");
      return out;
    }
    for (auto& item : v->get_array()) {
      if (!item.is_string()) fail(key, "holds an item that is not text");
      else out.emplace_back(item.get_string());
    }
    return out;
  }
  const std::optional<Error>& error() const { return error_; }

 private:
  void fail(std::string_view key, const std::string& why) {
    if (!error_) error_ = bad_input(what_ + ": `" + std::string(key) + "` " + why);
  }
  const json::object& o_;
  std::string what_;
  std::optional<Error> error_;
};

json::object identity_json(const HostIdentity& id) { return {{"hostname", id.hostname}, {"machine_id", id.machine_id}}; }

}  // namespace

const std::string* attachment_to_send(const StepRequest& request) {
  if (!request.attachment || !request.attachment_bytes) return nullptr;
  return request.attachment_bytes->size() == request.attachment->size ? request.attachment_bytes.get() : nullptr;
}

Status check_attachment(const StepRequest& request) {
  if (!request.attachment) {
    if (request.attachment_bytes) return failure("the request holds attachment bytes it does not announce");
    return {};
  }
  if (!request.attachment_bytes) return failure("the request announces an attachment whose bytes are not at hand");
  if (request.attachment_bytes->size() != request.attachment->size)
    return failure("the request announces " + std::to_string(request.attachment->size) + " attachment bytes and holds " +
                   std::to_string(request.attachment_bytes->size()));
  return {};
}

json::object request_to_json(const StepRequest& r) {
  json::object o{{"protocol", kStepProtocol},
                 {"version", r.version.empty() ? std::string(responder_version()) : r.version},
                 {"operation", operation_name(r.operation)},
                 {"module", r.module},
                 {"params", r.params},
                 {"planned", r.planned},
                 {"receipt", r.receipt ? receipt_to_json(*r.receipt) : json::value(nullptr)},
                 {"confirmed", r.confirmed},
                 {"just_applied", r.just_applied},
                 {"then_verify", r.then_verify},
                 {"incident", r.incident_id},
                 {"step", r.step_id},
                 {"host", r.host},
                 {"actor", r.actor},
                 {"journal_witness", r.journal_witness},
                 {"management", string_array(r.management)},
                 {"timeout_ms", r.timeout.count()},
                 {"drill", r.drill},
                 {"attempt", r.attempt},
                 {"incident_instance", r.incident_instance}};
  o["attachment"] = r.attachment ? json::value(json::object{{"sha256", r.attachment->sha256}, {"size", r.attachment->size}})
                                 : json::value(nullptr);
  return o;
}

Result<StepRequest> request_from_json(const json::value& value) {
  if (!value.is_object()) return bad_input("a step request is one JSON object");
  const json::object& o = value.get_object();
  Fields f(o, "step request");
  auto* protocol = o.if_contains("protocol");
  if (!protocol || !protocol->is_int64() || protocol->get_int64() != kStepProtocol)
    return bad_input("step request: `protocol` must be " + std::to_string(kStepProtocol));
  StepRequest r;
  r.version = f.text("version", true);
  auto op = operation_from(f.text("operation", true));
  r.module = f.text("module", true);
  r.params = f.object("params");
  r.planned = f.object("planned");
  if (auto* receipt = o.if_contains("receipt"); receipt && !receipt->is_null()) {
    if (!receipt->is_object()) return bad_input("step request: `receipt` is not an object");
    r.receipt = receipt_from_json(*receipt);
  }
  r.confirmed = f.flag("confirmed");
  r.just_applied = f.flag("just_applied");
  r.then_verify = f.flag("then_verify");
  r.incident_id = f.text("incident");
  r.step_id = f.text("step");
  r.host = f.text("host");
  r.actor = f.text("actor");
  r.journal_witness = f.text("journal_witness");
  r.incident_instance = f.text("incident_instance");
  r.management = f.strings("management");
  r.timeout = std::chrono::milliseconds(f.integer("timeout_ms"));
  r.drill = f.flag("drill");
  auto attempt = f.integer("attempt");
  if (attempt < 0 || attempt > 1'000'000) return bad_input("step request: `attempt` is out of range");
  r.attempt = static_cast<int>(attempt);
  if (f.error()) return *f.error();
  if (auto* a = o.if_contains("attachment"); a && !a->is_null()) {
    if (!a->is_object()) return bad_input("step request: `attachment` is not an object");
    Fields af(a->get_object(), "step request attachment");
    AttachmentHeader header;
    header.sha256 = af.text("sha256", true);
    auto size = af.integer("size");
    if (af.error()) return *af.error();
    bool hex = header.sha256.size() == 64 &&
               header.sha256.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!hex) return bad_input("step request attachment: `sha256` is not 64 lowercase hex digits");
    if (size <= 0 || static_cast<std::uint64_t>(size) > kMaxAttachment)
      return bad_input("step request attachment: `size` is not between 1 and " + std::to_string(kMaxAttachment) + " bytes");
    header.size = static_cast<std::uint64_t>(size);
    r.attachment = std::move(header);
  }
  if (!op) return bad_input("step request: `operation` is not one of plan, apply, verify, undo, confirm, reconcile");
  r.operation = *op;
  return r;
}

json::object answer_to_json(const StepAnswer& a) {
  json::object o{{"ok", a.ok}, {"version", a.version}, {"identity", identity_json(a.identity)}};
  if (!a.ok) {
    o["error"] = json::object{{"kind", a.version_mismatch ? std::string_view("version") : error_kind_name(a.error.kind)},
                              {"message", a.error.message}};
    return o;
  }
  if (a.plan) o["plan"] = json::object{{"changes", string_array(a.plan->changes)}, {"detail", a.plan->detail}};
  if (a.receipt) o["receipt"] = receipt_to_json(*a.receipt);
  if (a.verification) {
    json::object v{{"in_effect", a.verification->in_effect}, {"detail", a.verification->detail}};
    v["recovered"] = a.verification->recovered ? receipt_to_json(*a.verification->recovered) : json::value(nullptr);
    o["verification"] = std::move(v);
  }
  return o;
}

Result<StepAnswer> answer_from_json(const json::value& value) {
  if (!value.is_object()) return failure("the far side's answer is not a JSON object");
  const json::object& o = value.get_object();
  Fields f(o, "the far side's answer");
  StepAnswer a;
  a.ok = f.flag("ok");
  a.version = f.text("version");
  json::object identity = f.object("identity");
  Fields id(identity, "the far side's identity");
  a.identity.hostname = id.text("hostname");
  a.identity.machine_id = id.text("machine_id");
  if (!a.ok) {
    json::object error = f.object("error");
    Fields e(error, "the far side's error");
    std::string kind = e.text("kind");
    a.error = Error{kind_from(kind), e.text("message")};
    a.version_mismatch = kind == "version";
  }
  if (auto* plan = o.if_contains("plan"); plan && plan->is_object()) {
    PlanResult p;
    Fields pf(plan->get_object(), "the far side's plan");
    for (auto& c : pf.strings("changes")) p.changes.push_back(c);
    p.detail = pf.object("detail");
    a.plan = std::move(p);
  }
  if (auto* receipt = o.if_contains("receipt"); receipt && receipt->is_object()) a.receipt = receipt_from_json(*receipt);
  if (auto* v = o.if_contains("verification"); v && v->is_object()) {
    Verification ver;
    Fields vf(v->get_object(), "the far side's verification");
    ver.in_effect = vf.flag("in_effect");
    ver.detail = vf.text("detail");
    if (auto* rec = v->get_object().if_contains("recovered"); rec && rec->is_object()) ver.recovered = receipt_from_json(*rec);
    a.verification = std::move(ver);
  }
  if (f.error()) return failure(f.error()->message);
  // A far side may be compromised: its words reach terminals, the journal
  // and reports, one printable line each.
  a.error.message = one_line(a.error.message);
  a.identity.hostname = one_line(a.identity.hostname);
  a.identity.machine_id = one_line(a.identity.machine_id);
  if (a.plan)
    for (auto& c : a.plan->changes) c = one_line(c);
  if (a.receipt)
    for (auto& c : a.receipt->changes) c = one_line(c);
  if (a.verification) {
    a.verification->detail = one_line(a.verification->detail);
    if (a.verification->recovered)
      for (auto& c : a.verification->recovered->changes) c = one_line(c);
  }
  return a;
}

Status answer_fits(const StepRequest& request, const StepAnswer& answer) {
  if (!answer.ok) return {};
  if (answer.version != responder_version())
    return failure("the far side answered as responder " + answer.version + ", not " + std::string(responder_version()));
  bool fits = true;
  switch (request.operation) {
    case Operation::plan: fits = answer.plan.has_value(); break;
    case Operation::apply:
    case Operation::confirm: fits = answer.receipt.has_value(); break;
    case Operation::verify: fits = answer.verification.has_value(); break;
    case Operation::undo:
    case Operation::reconcile: break;
  }
  if (!fits)
    return failure("the far side's answer to " + std::string(operation_name(request.operation)) +
                   " lacks what that operation returns");
  return {};
}

StepAnswer version_refusal(const std::string& theirs) {
  StepAnswer a;
  a.ok = false;
  a.version = std::string(responder_version());
  a.version_mismatch = true;
  a.error = refusal("this host runs responder " + std::string(responder_version()) + " and the controller " + theirs +
                    "; install responder " + theirs + " here (responder hosts prepare PATTERN copies and installs the "
                    "controller's package)");
  return a;
}

}  // namespace responder::targets
