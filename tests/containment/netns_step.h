// Runs a firewall step's operations inside a lab namespace (setns on the
// calling thread for the duration of each call), with its parameters
// resolved against the module's schema like the engine does.
#pragma once

#include "tests/support/skip.h"
#include <cstdlib>
#include <iostream>

#include "containment/firewall/firewall_confirm.h"
#include "responder/module.h"
#include "responder/schema.h"
#include "tests/containment/netns_lab.h"

namespace responder::lab {

class NetnsStep {
 public:
  NetnsStep(std::string module, std::string ns, std::string step_id, SafetyRules safety = {})
      : module_(ModuleRegistry::instance().find(module)), ns_(std::move(ns)), safety_(std::move(safety)) {
    if (!module_) throw std::runtime_error("module not linked: " + module);
    context_.incident_id = "test-incident";
    context_.step_id = std::move(step_id);
    context_.actor = "test";
    context_.safety = &safety_;
  }

  Result<json::object> params(const json::object& with) const { return module_->schema().resolve(with); }

  Result<PlanResult> plan(const json::object& with) {
    auto p = params(with);
    if (!p) return p.error();
    ScopedNetns in(ns_);
    return module_->plan(*p, context_);
  }
  Result<Receipt> apply(const json::object& with) {
    auto p = params(with);
    if (!p) return p.error();
    ScopedNetns in(ns_);
    return module_->apply(*p, context_);
  }
  // `just_applied`: as the engine verifies right after its own apply.
  Result<Verification> verify(const Receipt* receipt, const json::object& planned = {}, bool just_applied = false) {
    ScopedNetns in(ns_);
    context_.just_applied = just_applied;
    auto v = module_->verify({}, receipt, planned, context_);
    context_.just_applied = false;
    return v;
  }
  Status undo(const Receipt& receipt) {
    ScopedNetns in(ns_);
    return module_->undo(receipt, context_);
  }
  Result<Receipt> confirm(const Receipt& receipt) {
    ScopedNetns in(ns_);
    return firewall::confirm_firewall_step(receipt, context_);
  }
  Status reconcile(const Receipt& receipt, bool confirmed) {
    ScopedNetns in(ns_);
    return firewall::reconcile_firewall_step(receipt, confirmed, context_);
  }
  SafetyRules& safety() { return safety_; }

 private:
  const Module* module_;
  std::string ns_;
  SafetyRules safety_;
  StepContext context_;
};

// Management ranges of the lab, as the configuration would name them.
inline SafetyRules lab_safety() {
  SafetyRules s;
  s.management.push_back(*parse_cidr("198.51.100.0/24"));
  s.management.push_back(*parse_cidr("2001:db8:b::/64"));
  return s;
}

// Exits the test case with ctest's skip code and the reason, when the lab
// cannot be built here. Only for truly missing features (no root, no netns).
#define RESPONDER_REQUIRE_LAB() RESPONDER_SKIP_WHEN(::responder::lab::lab_unavailable())

}  // namespace responder::lab
