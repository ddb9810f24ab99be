#include "responder/targets/step_service.h"

#include <unistd.h>

#include <fstream>

#include "responder/environment.h"
#include "responder/interrupt.h"
#include "responder/schema.h"
#include "responder/targets/step_attachment.h"

namespace responder::targets {

HostIdentity this_host_identity() {
  HostIdentity id;
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) id.hostname = name;
  std::ifstream in("/etc/machine-id");
  std::getline(in, id.machine_id);
  return id;
}

namespace {
StepAnswer serve(const StepRequest& request, const Environment& environment, ProgressSink* progress,
                 const std::filesystem::path& incident_dir, EvidenceRelay* relay, const StagedAttachment* received);
}  // namespace

StepAnswer serve_step_request(const StepRequest& request, const Environment& environment, ProgressSink* progress,
                              const std::filesystem::path& incident_dir, EvidenceRelay* relay,
                              const StagedAttachment* received) {
  // A module that throws must not take the far side down with an answer
  // never given: the controller would not know what happened.
  try {
    return serve(request, environment, progress, incident_dir, relay, received);
  } catch (const std::exception& e) {
    StepAnswer answer;
    answer.version = std::string(responder_version());
    answer.identity = this_host_identity();
    answer.error = failure(std::string("module ") + request.module + " stopped with an unexpected error: " + e.what());
    return answer;
  }
}

namespace {

StepAnswer serve(const StepRequest& request, const Environment& environment, ProgressSink* progress,
                 const std::filesystem::path& incident_dir, EvidenceRelay* relay, const StagedAttachment* received) {
  StepAnswer answer;
  answer.version = std::string(responder_version());
  answer.identity = this_host_identity();
  auto fail = [&](Error error) {
    answer.ok = false;
    answer.error = std::move(error);
    return answer;
  };
  if (request.version != responder_version()) {
    StepAnswer refused = version_refusal(request.version);
    refused.identity = answer.identity;
    return refused;
  }
  const Module* module = ModuleRegistry::instance().find(request.module);
  if (!module) return fail(bad_input("module " + request.module + " is not in this build of responder"));
  std::unique_ptr<StagedAttachment> staged_here;
  if (request.attachment && !received) {
    if (!request.attachment_bytes) return fail(bad_input("the request's attachment did not arrive"));
    auto staged = stage_attachment(*request.attachment, *request.attachment_bytes);
    if (!staged) return fail(staged.error());
    staged_here = std::move(*staged);
    received = staged_here.get();
  }

  SafetyRules safety = environment.safety;
  for (auto& text : request.management) {
    auto cidr = parse_cidr(text);
    if (!cidr) return fail(bad_input("management range " + text + ": " + cidr.error().message));
    safety.management.push_back(*cidr);
  }
  StepContext context;
  context.incident_id = request.incident_id;
  context.incident_instance = request.incident_instance;
  context.step_id = request.step_id;
  context.actor = request.actor;
  context.incident_dir = incident_dir;
  context.evidence_relay = relay;
  context.attachment = request.attachment ? received : nullptr;
  context.config = &environment.config;
  context.safety = &safety;
  context.progress = progress;
  context.interrupted = &interrupt_requested();
  context.drill = request.drill;
  context.planned = &request.planned;
  context.just_applied = request.just_applied;
  context.journal_witness = request.journal_witness;
  if (request.timeout.count() > 0) context.deadline = std::chrono::steady_clock::now() + request.timeout;

  // Parameters are checked here too: a far side never trusts that the
  // controller did.
  auto params = module->schema().resolve(request.params);
  if (!params) return fail(bad_input("parameters: " + params.error().message));

  switch (request.operation) {
    case Operation::plan: {
      auto plan = module->plan(*params, context);
      if (!plan) return fail(plan.error());
      answer.plan = std::move(*plan);
      break;
    }
    case Operation::apply: {
      auto receipt = module->apply(*params, context);
      if (!receipt) return fail(receipt.error());
      answer.receipt = std::move(*receipt);
      // A verify that cannot answer (it fails, throws, or the step's time is
      // up) leaves the receipt to stand alone: the controller asks again in
      // a call of its own, with a deadline of its own.
      if (request.then_verify && !context.should_stop()) {
        context.just_applied = true;
        try {
          if (auto v = module->verify(*params, &*answer.receipt, request.planned, context)) answer.verification = std::move(*v);
        } catch (const std::exception&) {
        }
      }
      break;
    }
    case Operation::verify: {
      auto v = module->verify(*params, request.receipt ? &*request.receipt : nullptr, request.planned, context);
      if (!v) return fail(v.error());
      answer.verification = std::move(*v);
      break;
    }
    case Operation::undo: {
      if (!request.receipt) return fail(bad_input("undo needs the receipt"));
      auto status = module->undo(*request.receipt, context);
      if (!status) return fail(status.error());
      break;
    }
    case Operation::confirm: {
      if (!request.receipt) return fail(bad_input("confirm needs the receipt"));
      auto receipt = module->confirm(*request.receipt, context);
      if (!receipt) return fail(receipt.error());
      answer.receipt = std::move(*receipt);
      break;
    }
    case Operation::reconcile: {
      if (!request.receipt) return fail(bad_input("reconcile needs the receipt"));
      auto status = module->reconcile(*request.receipt, request.confirmed, context);
      if (!status) return fail(status.error());
      break;
    }
  }
  answer.ok = true;
  return answer;
}

}  // namespace

}  // namespace responder::targets
