#include "responder/playbook_loader.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "responder/inventory/host_pattern.h"
#include "responder/message_text.h"
#include "responder/module.h"
#include "responder/name_syntax.h"
#include "responder/printable_text.h"
#include "responder/schema_catalog.h"
#include "responder/template.h"

namespace responder {

std::string_view on_failure_name(OnFailure value) {
  switch (value) {
    case OnFailure::abort: return "abort";
    case OnFailure::continue_run: return "continue";
    case OnFailure::undo_stage: return "undo-stage";
  }
  return "abort";
}

bool has_remote_targets(const Step& step) {
  for (auto& target : step.targets)
    if (!target.is_string() || (target.get_string() != "local" && target.get_string() != "localhost")) return true;
  return false;
}

const Step* Playbook::find_step(std::string_view id) const {
  for (auto& stage : stages)
    for (auto& step : stage.steps)
      if (step.id == id) return &step;
  return nullptr;
}

const VariableDecl* Playbook::find_variable(std::string_view name) const {
  for (auto& v : variables)
    if (v.name == name) return &v;
  return nullptr;
}

std::vector<const Step*> Playbook::all_steps() const {
  std::vector<const Step*> out;
  for (auto& stage : stages)
    for (auto& step : stage.steps) out.push_back(&step);
  return out;
}

namespace {

const std::vector<std::string> kTopKeys = {"name", "description", "severity", "variables", "stages"};
const std::vector<std::string> kStepKeys = {"id",      "module",  "with",       "when",    "targets",
                                            "approval", "timeout", "retries", "on_failure", "register",
                                            "max_fail_percentage"};
const std::vector<std::string> kVariableKeys = {"type", "items", "required", "default", "description"};
const std::vector<std::string> kSeverities = {"critical", "important", "moderate", "low"};

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

class Validator {
 public:
  explicit Validator(std::string file) : file_(std::move(file)) {}

  LoadedPlaybook load(const std::string& text) {
    LoadedPlaybook result;
    Playbook playbook;
    playbook.file = file_;
    playbook.text = text;
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::DeepRecursion& e) {
      // yaml-cpp stops at 2000 levels with the unhelpful "bad file".
      error_at({e.mark.line + 1, e.mark.column + 1}, kTooDeep);
      return finish(std::move(result), std::nullopt);
    } catch (const YAML::Exception& e) {
      error_at({e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg);
      return finish(std::move(result), std::nullopt);
    }
    if (root.IsNull() || !root.IsDefined()) {
      error_at({1, 1}, "the playbook is empty; it needs at least `name:` and `stages:`");
      return finish(std::move(result), std::nullopt);
    }
    if (!root.IsMap()) {
      error(root, std::string("a playbook is a mapping (name:, stages:, ...), found ") +
                      (root.IsSequence() ? "a list" : "a single value"));
      return finish(std::move(result), std::nullopt);
    }
    collect_registers(root);
    check_keys(root, kTopKeys, "at the top of a playbook");
    playbook.name = required_text(root, "name", "the playbook needs a `name:`");
    playbook.description = optional_text(root, "description");
    playbook.severity = optional_text(root, "severity");
    if (root["severity"] && !playbook.severity.empty() && !contains(kSeverities, playbook.severity))
      error(root["severity"], "severity " + in_quotes(playbook.severity) + " is not one of: " + join(kSeverities));
    if (auto vars = root["variables"]) load_variables(vars, playbook);
    auto stages = root["stages"];
    if (!stages) error_at({1, 1}, "the playbook needs `stages:` with at least one of: " + stage_list());
    else load_stages(stages, playbook);
    return finish(std::move(result), std::move(playbook));
  }

  void error_at(SourcePosition p, const std::string& message, bool warning = false) {
    diagnostics_.push_back({file_, p.line, p.column, message, warning});
  }

 private:
  LoadedPlaybook finish(LoadedPlaybook result, std::optional<Playbook> playbook) {
    std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return a.line != b.line ? a.line < b.line : a.column < b.column;
    });
    result.diagnostics = std::move(diagnostics_);
    if (!has_errors(result.diagnostics)) result.playbook = std::move(playbook);
    return result;
  }

  void error(const YAML::Node& node, const std::string& message) { error_at(position_of(node.Mark()), message); }
  void warn(const YAML::Node& node, const std::string& message) { error_at(position_of(node.Mark()), message, true); }

  static std::string stage_list() {
    std::vector<std::string> names(kStageNames.begin(), kStageNames.end());
    return join(names);
  }

  // Unknown, misplaced and duplicated keys of one mapping.
  void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& where) {
    std::set<std::string> seen;
    for (auto it : map) {
      if (!it.first.IsScalar()) {
        error(it.first, "keys must be plain names");
        continue;
      }
      std::string key = it.first.Scalar();
      if (!seen.insert(key).second) error(it.first, in_quotes(key) + " is given twice");
      if (contains(allowed, key)) continue;
      std::string message = "unknown key " + in_quotes(key) + " " + where;
      if (&allowed == &kTopKeys && contains(kStepKeys, key)) message += "; '" + key + "' belongs in a step under a stage";
      else if (&allowed == &kTopKeys && std::find(kStageNames.begin(), kStageNames.end(), key) != kStageNames.end())
        message += "; stages go under `stages:`";
      else if (&allowed == &kStepKeys && contains(kTopKeys, key)) message += "; '" + key + "' belongs at the top of the playbook";
      else if (auto hint = closest_match(key, allowed); !hint.empty()) message += "; did you mean '" + hint + "'?";
      else message += " (allowed: " + join(allowed) + ")";
      error(it.first, message);
    }
  }

  std::string required_text(const YAML::Node& map, const char* key, const std::string& missing) {
    auto node = map[key];
    if (!node) {
      error_at(position_of(map.Mark()), missing);
      return "";
    }
    if (!node.IsScalar() || node.Scalar().empty()) {
      error(node, std::string("`") + key + "` must be non-empty text");
      return "";
    }
    return node.Scalar();
  }

  std::string optional_text(const YAML::Node& map, const char* key) {
    auto node = map[key];
    if (!node || node.IsNull()) return "";
    if (!node.IsScalar()) {
      error(node, std::string("`") + key + "` must be text");
      return "";
    }
    return node.Scalar();
  }

  // `items` is null when the declaration has no `items:` (a default-made
  // YAML::Node would count as present).
  std::optional<ValueType> parse_type(const YAML::Node& node, const YAML::Node* items) {
    if (!node.IsScalar()) {
      error(node, "a type is one of: " + type_kind_names());
      return std::nullopt;
    }
    auto kind = type_kind_from_name(node.Scalar());
    if (!kind) {
      std::vector<std::string> names;
      std::stringstream all(type_kind_names());
      for (std::string n; std::getline(all, n, ',');) names.push_back(n.substr(n.find_first_not_of(' ')));
      auto hint = closest_match(node.Scalar(), names);
      error(node, "unknown type " + in_quotes(node.Scalar()) + (hint.empty() ? " (types: " + type_kind_names() + ")" : "; did you mean '" + hint + "'?"));
      return std::nullopt;
    }
    ValueType type{*kind};
    if (*kind == TypeKind::list) {
      if (!items) {
        type.item = TypeKind::any;
      } else if (auto item = items->IsScalar() ? type_kind_from_name(items->Scalar()) : std::nullopt;
                 item && *item != TypeKind::list) {
        type.item = *item;
      } else {
        error(*items, "`items` is the type of each list item (" + type_kind_names() + ", but not list)");
        return std::nullopt;
      }
    } else if (items) {
      error(*items, "`items` is only for type: list");
    }
    return type;
  }

  void load_variables(const YAML::Node& vars, Playbook& playbook) {
    if (vars.IsNull()) return;
    if (!vars.IsMap()) {
      error(vars, "`variables:` is a mapping of variable names to {type:, required:, default:}");
      return;
    }
    std::set<std::string> seen;
    for (auto it : vars) {
      VariableDecl decl;
      decl.name = it.first.Scalar();
      if (!is_identifier(decl.name) || decl.name == "incident")
        error(it.first, in_quotes(decl.name) + " is not a usable variable name (letters, digits, _, up to " +
                            std::to_string(kMaxNameLength) + "; not 'incident')");
      if (!seen.insert(decl.name).second) error(it.first, "variable " + in_quotes(decl.name) + " is declared twice");
      const YAML::Node& spec = it.second;
      if (spec.IsScalar()) {  // shorthand `attacker: cidr`
        auto type = parse_type(spec, nullptr);
        if (type) decl.type = *type;
      } else if (spec.IsMap()) {
        check_keys(spec, kVariableKeys, "in variable " + in_quotes(decl.name));
        if (!spec["type"]) error(spec, "variable " + in_quotes(decl.name) + " needs a `type:` (" + type_kind_names() + ")");
        else if (YAML::Node items = spec["items"]; auto type = parse_type(spec["type"], items ? &items : nullptr))
          decl.type = *type;
        if (auto r = spec["required"]) {
          if (r.IsScalar() && (r.Scalar() == "true" || r.Scalar() == "false")) decl.required = r.Scalar() == "true";
          else error(r, "`required` is true or false");
        }
        decl.description = optional_text(spec, "description");
        if (auto d = spec["default"]) {
          SourcePosition failed_at = position_of(d.Mark());
          auto value = yaml_to_json(d, file_, budget_, nullptr, &failed_at);
          if (!value) {
            error_at(failed_at, value.error().message);
          } else if (auto s = check_value(*value, decl.type); !s) {
            error(d, "default of " + in_quotes(decl.name) + ": " + s.error().message);
          } else {
            decl.default_value = std::move(*value);
          }
          if (decl.required) warn(d, "variable " + in_quotes(decl.name) + " is required and has a default; the default is never used");
        }
      } else {
        error(spec, "variable " + in_quotes(decl.name) + " is {type: ..., required: ..., default: ...}");
      }
      playbook.variables.push_back(std::move(decl));
    }
  }

  void load_stages(const YAML::Node& stages, Playbook& playbook) {
    if (!stages.IsMap()) {
      error(stages, "`stages:` is a mapping of stage names (" + stage_list() + ") to lists of steps");
      return;
    }
    int last_index = -1;
    std::string last_name;
    for (auto it : stages) {
      std::string name = it.first.Scalar();
      auto found = std::find(kStageNames.begin(), kStageNames.end(), name);
      if (found == kStageNames.end()) {
        std::vector<std::string> names(kStageNames.begin(), kStageNames.end());
        auto hint = closest_match(name, names);
        error(it.first, "unknown stage " + in_quotes(name) + (hint.empty() ? " (stages: " + stage_list() + ")" : "; did you mean '" + hint + "'?"));
        continue;
      }
      int index = static_cast<int>(found - kStageNames.begin());
      if (index < last_index)
        error(it.first, "stage '" + name + "' must come before '" + last_name + "' (stages run in the order: " + stage_list() + ")");
      else if (index == last_index)
        error(it.first, "stage '" + name + "' is given twice");
      last_index = std::max(last_index, index);
      last_name = name;
      StagePlan stage;
      stage.name = name;
      const YAML::Node& steps = it.second;
      if (steps.IsNull()) {
        warn(it.first, "stage '" + name + "' has no steps");
      } else if (!steps.IsSequence()) {
        error(steps, "stage '" + name + "' is a list of steps (- id: ..., module: ...)");
      } else {
        for (auto step_node : steps) {
          Step step;
          if (load_step(step_node, name, playbook, step)) stage.steps.push_back(std::move(step));
        }
      }
      playbook.stages.push_back(std::move(stage));
    }
    if (playbook.stages.empty() && stages.size() == 0) error(stages, "`stages:` has no stages");
  }

  // Names known before the step being validated: variables, registered
  // outputs of earlier steps, and `incident`.
  struct Known {
    const VariableDecl* variable = nullptr;
    bool registered = false;
    bool builtin = false;
  };

  Known known(const Playbook& playbook, const std::string& first) const {
    Known k;
    if (first == "incident") k.builtin = true;
    k.variable = playbook.find_variable(first);
    k.registered = registered_.count(first) > 0;
    return k;
  }

  // Reports unknown references; returns the static type of the reference when
  // known (variables and incident fields), nullopt when decided at run time.
  std::optional<ValueType> check_reference(const NameReference& ref, const Playbook& playbook, SourcePosition at,
                                           bool report) {
    const std::string& first = ref.path[0];
    Known k = known(playbook, first);
    if (k.builtin) {
      static const std::set<std::string> fields{"id", "home", "severity", "playbook"};
      if (ref.path.size() != 2 || !fields.count(ref.path[1])) {
        if (report) error_at(at, in_quotes(ref.dotted()) + ": incident has the fields id, home, severity and playbook");
        return std::nullopt;
      }
      return ValueType{TypeKind::string};
    }
    if (k.variable) {
      if (ref.path.size() > 1 && k.variable->type.kind != TypeKind::object && k.variable->type.kind != TypeKind::any) {
        if (report) error_at(at, "variable " + in_quotes(first) + " is a " + k.variable->type.name() + " and has no field " + in_quotes(ref.path[1]));
        return std::nullopt;
      }
      return ref.path.size() == 1 ? std::optional<ValueType>(k.variable->type) : std::nullopt;
    }
    if (k.registered) return std::nullopt;
    if (report) {
      std::string message = in_quotes(ref.dotted()) + " is not known at this point";
      if (auto later = all_registers_.find(first); later != all_registers_.end())
        message += "; it is registered by step " + in_quotes(later->second) + ", which runs later";
      else {
        std::vector<std::string> candidates;
        for (auto& v : playbook.variables) candidates.push_back(v.name);
        for (auto& r : registered_) candidates.push_back(r);
        if (auto hint = closest_match(first, candidates); !hint.empty()) message += "; did you mean '" + hint + "'?";
        else message += " (no variable or registered step output of that name)";
      }
      error_at(at, message);
    }
    return std::nullopt;
  }

  // Position of character `offset` inside the scalar `node`, when it can be
  // told (single-line scalars); the scalar's own position otherwise.
  static SourcePosition inside(const YAML::Node& node, std::size_t offset) {
    SourcePosition p = position_of(node.Mark());
    const std::string& text = node.Scalar();
    if (text.find('\n') != std::string::npos) return p;
    p.column += static_cast<int>(offset) + (node.Tag() == "!" ? 1 : 0);
    return p;
  }

  SourcePosition position_in(const SourceMap& positions, const std::string& path, const YAML::Node& fallback) {
    if (auto it = positions.find(path); it != positions.end()) return it->second;
    if (auto it = positions.find(path + "#key"); it != positions.end()) return it->second;
    return position_of(fallback.Mark());
  }

  // `placeholders`: the module's host placeholders, filled on each host.
  void check_templates_in(const json::value& value, const std::string& path, const SourceMap& positions,
                          const YAML::Node& with_node, const Playbook& playbook,
                          const std::vector<std::string>& placeholders) {
    if (value.is_string()) {
      for (auto& use : find_templates(value.get_string())) {
        SourcePosition at = position_in(positions, path, with_node);
        if (auto* e = std::get_if<ExpressionError>(&use.reference)) {
          error_at(at, "in {{ }}: " + e->message);
          continue;
        }
        auto& ref = std::get<NameReference>(use.reference);
        if (contains(placeholders, ref.path[0])) {
          if (ref.path.size() > 1) error_at(at, in_quotes(ref.dotted()) + ": " + ref.path[0] + " is filled on each host and has no fields");
          continue;
        }
        check_reference(ref, playbook, at, true);
      }
    } else if (value.is_array()) {
      std::size_t i = 0;
      for (auto& item : value.get_array())
        check_templates_in(item, path + "[" + std::to_string(i++) + "]", positions, with_node, playbook, placeholders);
    } else if (value.is_object()) {
      for (auto& [k, item] : value.get_object())
        check_templates_in(item, path.empty() ? std::string(k) : path + "." + std::string(k), positions, with_node, playbook,
                           placeholders);
    }
  }

  std::optional<int> small_int(const YAML::Node& node, const char* key, int lo, int hi) {
    auto n = node[key];
    if (!n) return std::nullopt;
    try {
      int v = n.as<int>();
      if (v < lo || v > hi) {
        error(n, std::string("`") + key + "` must be between " + std::to_string(lo) + " and " + std::to_string(hi));
        return std::nullopt;
      }
      return v;
    } catch (const YAML::Exception&) {
      error(n, std::string("`") + key + "` must be a whole number");
      return std::nullopt;
    }
  }

  bool load_step(const YAML::Node& node, const std::string& stage, Playbook& playbook, Step& step) {
    if (!node.IsMap()) {
      error(node, "a step is a mapping with at least `id:` and `module:`");
      return false;
    }
    step.stage = stage;
    step.position = position_of(node.Mark());
    check_keys(node, kStepKeys, "in a step");
    step.id = required_text(node, "id", "this step needs an `id:`");
    if (!step.id.empty()) {
      step.position = position_of(node["id"].Mark());
      if (!is_label(step.id))
        error(node["id"], "step id " + in_quotes(step.id) + " may use letters, digits, '.', '_' and '-' (up to " +
                              std::to_string(kMaxNameLength) + "), starting with a letter or digit");
      if (auto [it, fresh] = step_ids_.emplace(step.id, step.position); !fresh)
        error(node["id"], "step id " + in_quotes(step.id) + " is used twice (first at line " + std::to_string(it->second.line) + ")");
    }
    step.module = required_text(node, "module", "step " + in_quotes(step.id) + " needs a `module:`");
    const ModuleSchema* schema = nullptr;
    if (!step.module.empty()) {
      schema = SchemaCatalog::instance().module(step.module);
      if (!schema) {
        if (contains(promised_module_names(), step.module)) {
          warn(node["module"], "module '" + step.module + "' is not in this build yet; `plan` lists it and `run` refuses this playbook");
        } else {
          auto candidates = promised_module_names();
          for (auto& n : SchemaCatalog::instance().module_names()) candidates.push_back(n);
          auto hint = closest_match(step.module, candidates);
          error(node["module"], "unknown module " + in_quotes(step.module) + (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
        }
      } else if (!schema->stages().empty() && !contains(schema->stages(), "any") && !contains(schema->stages(), stage)) {
        warn(node["module"], step.module + " is made for " + join(schema->stages()) + ", not " + stage);
      }
    }

    if (auto w = node["when"]) {
      if (!w.IsScalar()) {
        error(w, "`when` is a condition such as \"finding.kind == 'targeted'\"");
      } else {
        auto parsed = Expression::parse(w.Scalar());
        if (auto* e = std::get_if<ExpressionError>(&parsed)) {
          error_at(inside(w, e->offset), "in `when`: " + e->message);
        } else {
          auto& expression = std::get<Expression>(parsed);
          for (auto& ref : expression.names()) check_reference(ref, playbook, inside(w, ref.offset), true);
          step.when = std::move(expression);
        }
      }
    }

    if (auto w = node["with"]) {
      SourceMap positions;
      SourcePosition failed_at = position_of(w.Mark());
      auto value = yaml_to_json(w, file_, budget_, &positions, &failed_at);
      if (!value) {
        error_at(failed_at, value.error().message);
      } else if (value->is_null()) {
        // `with:` left empty: no parameters
      } else if (!value->is_object()) {
        error(w, "`with` is a mapping of parameter names to values");
      } else {
        step.with = value->get_object();
        static const std::vector<std::string> none;
        check_templates_in(*value, "", positions, w, playbook, schema ? schema->host_placeholders() : none);
        if (schema) {
          auto type_of = [&](std::string_view whole) -> std::optional<ValueType> {
            auto uses = find_templates(whole);
            if (uses.size() != 1) return std::nullopt;
            auto* ref = std::get_if<NameReference>(&uses[0].reference);
            if (!ref) return std::nullopt;
            return check_reference(*ref, playbook, {}, false);
          };
          for (auto& issue : schema->check(step.with, type_of)) {
            SourcePosition at = issue.path.empty() ? position_of(w.Mark()) : position_in(positions, issue.path, w);
            error_at(at, issue.message);
          }
          if (const Module* module = ModuleRegistry::instance().find(step.module))
            for (auto& issue : module->check_static(step.with)) {
              SourcePosition at = issue.path.empty() ? position_of(w.Mark()) : position_in(positions, issue.path, w);
              error_at(at, issue.message);
            }
        }
      }
    } else if (schema) {
      for (auto& issue : schema->check({}, nullptr)) error_at(step.position, "step " + in_quotes(step.id) + ": " + issue.message);
    }

    if (auto t = node["targets"]) {
      SourcePosition failed_at = position_of(t.Mark());
      step.targets_position = failed_at;
      auto value = yaml_to_json(t, file_, budget_, nullptr, &failed_at);
      if (!value) error_at(failed_at, value.error().message);
      else if (value->is_string()) step.targets.push_back(value->get_string());
      else if (value->is_array() &&
               std::all_of(value->get_array().begin(), value->get_array().end(), [](auto& v) { return v.is_string(); }))
        step.targets = value->get_array();
      else error(t, "`targets` is a host or group name, or a list of them");
      for (auto& target : step.targets)
        if (target.is_string() && !has_template(target.get_string()))
          if (auto ok = inventory::check_pattern(target.get_string()); !ok) error(t, "targets: " + ok.error().message);
    }
    if (auto a = small_int(node, "approval", 0, 20)) step.approval = *a;
    if (auto r = small_int(node, "retries", 0, 10)) step.retries = *r;
    if (auto m = small_int(node, "max_fail_percentage", 0, 100)) step.max_fail_percentage = *m;
    if (auto t = node["timeout"]) {
      auto d = t.IsScalar() ? parse_duration(t.Scalar()) : Result<Duration>(bad_input("`timeout` is a duration like 30s"));
      if (!d) error(t, d.error().message);
      else if (d->count() == 0) error(t, "`timeout` of 0 would fail every attempt; leave it out for no timeout");
      else step.timeout = *d;
    }
    if (auto f = node["on_failure"]) {
      std::string v = f.IsScalar() ? f.Scalar() : "";
      if (v == "abort") step.on_failure = OnFailure::abort;
      else if (v == "continue") step.on_failure = OnFailure::continue_run;
      else if (v == "undo-stage") step.on_failure = OnFailure::undo_stage;
      else {
        auto hint = closest_match(v, {"abort", "continue", "undo-stage"});
        error(f, "`on_failure` is abort, continue or undo-stage" + (hint.empty() ? std::string() : "; did you mean '" + hint + "'?"));
      }
    }
    if (auto r = node["register"]) {
      step.register_as = r.IsScalar() ? r.Scalar() : "";
      if (!is_identifier(step.register_as) || step.register_as == "incident")
        error(r, "`register` is a name (letters, digits, _, up to " + std::to_string(kMaxNameLength) +
                     ") later steps use as {{ name.field }}");
      else if (playbook.find_variable(step.register_as))
        error(r, in_quotes(step.register_as) + " is already a variable name");
      else if (registered_.count(step.register_as))
        error(r, in_quotes(step.register_as) + " is registered twice");
      else
        registered_.insert(step.register_as);
    }
    return true;
  }

  // Every register name in the document, so that a reference to a later
  // step's output can say so.
  void collect_registers(const YAML::Node& root) {
    if (!root.IsMap() || !root["stages"] || !root["stages"].IsMap()) return;
    for (auto stage : root["stages"]) {
      if (!stage.second.IsSequence()) continue;
      for (auto step : stage.second)
        if (step.IsMap() && step["register"] && step["register"].IsScalar() && step["id"] && step["id"].IsScalar())
          all_registers_.emplace(step["register"].Scalar(), step["id"].Scalar());
    }
  }

  std::string file_;
  std::vector<Diagnostic> diagnostics_;
  std::size_t budget_ = 100000;
  std::set<std::string> registered_;
  std::map<std::string, std::string> all_registers_;
  std::map<std::string, SourcePosition> step_ids_;
};

}  // namespace

LoadedPlaybook load_playbook_text(const std::string& text, const std::string& origin) {
  Validator validator(origin);
  if (text.size() > kMaxPlaybookBytes) {
    LoadedPlaybook result;
    result.diagnostics.push_back({origin, 1, 1, "playbook is larger than 1 MiB; refusing to load it"});
    return result;
  }
  // Before yaml-cpp, which would carry these bytes into values and the journal.
  if (auto bad = first_unprintable(text)) {
    LoadedPlaybook result;
    result.diagnostics.push_back({origin, bad->line, bad->column, bad->message});
    return result;
  }
  return validator.load(text);
}

LoadedPlaybook load_playbook_file(const std::filesystem::path& path) {
  LoadedPlaybook result;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    result.diagnostics.push_back({path.string(), 0, 0, "cannot read playbook: " + ec.message()});
    return result;
  }
  if (size > kMaxPlaybookBytes) {
    result.diagnostics.push_back({path.string(), 0, 0, "playbook is larger than 1 MiB; refusing to load it"});
    return result;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in && !in.eof()) {
    result.diagnostics.push_back({path.string(), 0, 0, "cannot read playbook"});
    return result;
  }
  return load_playbook_text(buffer.str(), path.string());
}

}  // namespace responder
