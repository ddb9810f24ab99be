// Runs one module's operations in the calling process, with its parameters
// resolved against the module's schema (defaults filled in) as the engine
// does. For modules that need no namespace of their own (netns_step.h is
// the firewall's counterpart).
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>

#include "responder/config.h"
#include "responder/module.h"
#include "responder/schema.h"

namespace responder::testing {

// Runs one module's operations with its parameters resolved against the
// module's schema, as the engine does.
class ModuleStep {
 public:
  ModuleStep(const std::string& module, std::string step_id, std::filesystem::path incident_dir = {})
      : module_(ModuleRegistry::instance().find(module)) {
    if (!module_) throw std::runtime_error("module not linked: " + module);
    context_.incident_id = "test-incident";
    context_.step_id = std::move(step_id);
    context_.actor = "test";
    context_.incident_dir = std::move(incident_dir);
    context_.safety = &safety_;
  }
  Result<json::object> params(const json::object& with) const { return module_->schema().resolve(with); }
  Result<PlanResult> plan(const json::object& with) {
    auto p = params(with);
    if (!p) return p.error();
    return module_->plan(*p, context_);
  }
  Result<Receipt> apply(const json::object& with) {
    auto p = params(with);
    if (!p) return p.error();
    return module_->apply(*p, context_);
  }
  Result<Verification> verify(const Receipt* receipt, const json::object& planned = {}) {
    return module_->verify({}, receipt, planned, context_);
  }
  Status undo(const Receipt& receipt) { return module_->undo(receipt, context_); }
  const Module& module() const { return *module_; }
  // The configuration steps see from now on (it must outlive the step).
  void use_config(const Config& config) { context_.config = &config; }
  // The journaled plan apply sees, as when the engine resumes a step (it
  // must outlive the step).
  void use_plan(const json::object& planned) { context_.planned = &planned; }

 private:
  const Module* module_;
  SafetyRules safety_;
  StepContext context_;
};

}  // namespace responder::testing
