// A playbook as plain structs, after loading and validation.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "responder/duration.h"
#include "responder/expression.h"
#include "responder/json.h"
#include "responder/value_type.h"
#include "responder/yaml_json.h"

namespace responder {

// The seven stages, in the only order they run.
inline constexpr std::array<std::string_view, 7> kStageNames = {
    "evaluate", "notify", "isolate-and-contain", "analyze", "remediate", "accelerated-release", "de-escalation"};

enum class OnFailure { abort, continue_run, undo_stage };
std::string_view on_failure_name(OnFailure value);

struct VariableDecl {
  std::string name;
  ValueType type;
  bool required = false;
  std::optional<json::value> default_value;
  std::string description;
};

struct Step {
  std::string id;
  std::string stage;
  std::string module;
  json::object with;                       // may hold {{ }} templates
  std::optional<Expression> when;
  json::array targets;                     // host names or groups; empty = local
  int approval = 0;                        // distinct approvers needed
  std::optional<Duration> timeout;
  int retries = 0;
  OnFailure on_failure = OnFailure::abort;
  // With `targets:`: the share of hosts (percent) that may fail before the
  // step counts as failed; hosts that failed are left out of later steps.
  int max_fail_percentage = 0;
  std::string register_as;                 // empty when not registered
  SourcePosition position;                 // of the step's `id`
  SourcePosition targets_position;         // of its `targets` value
};

// True when the step acts on other hosts (`targets:` other than local or
// localhost alone): its modules' requirements are those hosts', not this
// process's.
bool has_remote_targets(const Step& step);

struct StagePlan {
  std::string name;
  std::vector<Step> steps;
};

struct Playbook {
  std::string file;         // as given on the command line
  std::string text;         // the exact source, journaled at `run`
  std::string name, description, severity;
  std::vector<VariableDecl> variables;
  std::vector<StagePlan> stages;  // only stages present, in order

  const Step* find_step(std::string_view id) const;
  const VariableDecl* find_variable(std::string_view name) const;
  std::vector<const Step*> all_steps() const;
};

}  // namespace responder
