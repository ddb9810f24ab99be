// Runs a module's operations in the test process itself (its mount
// namespace), with parameters resolved against the module's schema as the
// engine does, and a step context naming a test incident.
#pragma once

#include <stdexcept>

#include "responder/module.h"
#include "responder/schema.h"

namespace responder::lab {

class HostStep {
 public:
  HostStep(const std::string& module, std::string step_id) : module_(ModuleRegistry::instance().find(module)) {
    if (!module_) throw std::runtime_error("module not linked: " + module);
    context_.incident_id = "test-incident";
    context_.step_id = std::move(step_id);
    context_.actor = "test";
    context_.safety = &safety_;
  }

  Result<PlanResult> plan(const json::object& with) {
    auto p = module_->schema().resolve(with);
    if (!p) return p.error();
    return module_->plan(*p, context_);
  }
  Result<Receipt> apply(const json::object& with) {
    auto p = module_->schema().resolve(with);
    if (!p) return p.error();
    return module_->apply(*p, context_);
  }
  Result<Verification> verify(const Receipt* receipt, const json::object& planned = {}) {
    return module_->verify({}, receipt, planned, context_);
  }
  Status undo(const Receipt& receipt) { return module_->undo(receipt, context_); }

 private:
  const Module* module_;
  SafetyRules safety_;
  StepContext context_;
};

}  // namespace responder::lab
