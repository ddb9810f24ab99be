#include "responder/schema.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "responder/message_text.h"
#include "responder/requirements.h"
#include "responder/yaml_json.h"

namespace responder {
namespace {

std::string at(const YAML::Node& node, const std::string& origin) {
  return origin + ":" + std::to_string(node.Mark().line + 1) + ":" + std::to_string(node.Mark().column + 1);
}

Result<ParamSpec> parse_param(const std::string& origin, const std::string& name, const YAML::Node& node) {
  ParamSpec spec;
  spec.name = name;
  if (!node.IsMap()) return bad_input(at(node, origin) + ": parameter '" + name + "' must be a mapping");
  static const std::set<std::string> keys = {"type", "items", "required", "default", "min",
                                             "max",  "enum",  "pattern",  "description"};
  for (auto it : node) {
    auto key = it.first.as<std::string>();
    if (!keys.count(key)) return bad_input(at(it.first, origin) + ": unknown schema key '" + key + "'");
  }
  auto type_name = node["type"] ? node["type"].as<std::string>() : std::string("any");
  auto kind = type_kind_from_name(type_name);
  if (!kind) return bad_input(at(node, origin) + ": unknown type '" + type_name + "'");
  spec.type.kind = *kind;
  if (*kind == TypeKind::list) {
    auto item_name = node["items"] ? node["items"].as<std::string>() : std::string("any");
    auto item = type_kind_from_name(item_name);
    if (!item || *item == TypeKind::list) return bad_input(at(node, origin) + ": bad list item type '" + item_name + "'");
    spec.type.item = *item;
  }
  if (node["required"]) spec.required = node["required"].as<bool>();
  if (node["min"]) spec.min = node["min"].as<std::int64_t>();
  if (node["max"]) spec.max = node["max"].as<std::int64_t>();
  if (node["pattern"]) {
    auto pattern = TextPattern::compile(node["pattern"].as<std::string>());
    if (!pattern) return bad_input(at(node["pattern"], origin) + ": " + pattern.error().message);
    spec.pattern = std::move(*pattern);
  }
  if (node["description"]) spec.description = node["description"].as<std::string>();
  if (node["enum"])
    for (auto v : node["enum"]) spec.allowed.push_back(v.as<std::string>());
  if (node["default"]) {
    auto converted = yaml_to_json_bounded(node["default"], origin, 10000);
    if (!converted) return converted.error();
    spec.default_value = std::move(*converted);
    if (auto s = check_value(*spec.default_value, spec.type); !s)
      return bad_input(at(node["default"], origin) + ": default of '" + name + "': " + s.error().message);
  }
  return spec;
}

std::string item_path(const std::string& name, std::size_t i) { return name + "[" + std::to_string(i) + "]"; }

}  // namespace

bool has_template(std::string_view text) {
  auto open = text.find("{{");
  return open != std::string_view::npos && text.find("}}", open) != std::string_view::npos;
}

bool is_whole_template(std::string_view text) {
  if (text.size() < 4 || text.substr(0, 2) != "{{" || text.substr(text.size() - 2) != "}}") return false;
  return text.find("{{", 2) == std::string_view::npos && text.find("}}") == text.size() - 2;
}

Result<ModuleSchema> ModuleSchema::parse(const std::string& origin, const std::string& text) {
  ModuleSchema out;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return bad_input(origin + ": a schema is a mapping");
    static const std::set<std::string> keys = {"module", "section", "summary", "stages", "undo", "params", "one_of", "requires",
                                                "host_placeholders"};
    for (auto it : root) {
      auto key = it.first.as<std::string>();
      if (!keys.count(key)) return bad_input(at(it.first, origin) + ": unknown schema key '" + key + "'");
    }
    if (root["module"]) {
      out.name_ = root["module"].as<std::string>();
    } else if (root["section"]) {
      out.name_ = root["section"].as<std::string>();
      out.is_section_ = true;
    } else {
      return bad_input(origin + ": a schema names its `module` or `section`");
    }
    if (root["summary"]) out.summary_ = root["summary"].as<std::string>();
    if (root["undo"]) {
      out.undo_ = root["undo"].as<std::string>();
      static const std::set<std::string> undo_kinds = {"none", "exact", "restores", "rollback"};
      if (!undo_kinds.count(out.undo_)) return bad_input(at(root["undo"], origin) + ": undo is none, exact, restores or rollback");
    }
    if (root["stages"])
      for (auto s : root["stages"]) out.stages_.push_back(s.as<std::string>());
    if (root["host_placeholders"])
      for (auto s : root["host_placeholders"]) out.host_placeholders_.push_back(s.as<std::string>());
    if (root["params"]) {
      if (!root["params"].IsMap()) return bad_input(at(root["params"], origin) + ": params is a mapping");
      for (auto it : root["params"]) {
        auto spec = parse_param(origin, it.first.as<std::string>(), it.second);
        if (!spec) return spec.error();
        out.params_.push_back(std::move(*spec));
      }
    }
    if (root["one_of"])
      for (auto group : root["one_of"]) {
        std::vector<std::string> names;
        for (auto n : group) {
          names.push_back(n.as<std::string>());
          if (!out.param(names.back())) return bad_input(at(n, origin) + ": one_of names unknown parameter '" + names.back() + "'");
        }
        out.one_of_.push_back(std::move(names));
      }
    if (root["requires"])
      for (auto entry : root["requires"]) {
        ModuleRequirement requirement;
        if (entry.IsMap()) {
          requirement.need = entry["need"] ? entry["need"].as<std::string>() : "";
          requirement.with_param = entry["with"] ? entry["with"].as<std::string>() : "";
          if (!requirement.with_param.empty() && !out.param(requirement.with_param))
            return bad_input(at(entry, origin) + ": requires names unknown parameter '" + requirement.with_param + "'");
        } else {
          requirement.need = entry.as<std::string>();
        }
        if (!is_known_requirement(requirement.need))
          return bad_input(at(entry, origin) + ": unknown requirement '" + requirement.need + "' (" + known_requirements() + ")");
        out.requirements_.push_back(std::move(requirement));
      }
  } catch (const YAML::Exception& e) {
    return bad_input(origin + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  return out;
}

const ParamSpec* ModuleSchema::param(std::string_view name) const {
  for (auto& p : params_)
    if (p.name == name) return &p;
  return nullptr;
}

namespace {

// Checks one concrete (template-free) value against the spec's extra rules.
void check_rules(const ParamSpec& spec, const json::value& value, std::vector<SchemaIssue>& issues) {
  if (auto s = check_value(value, spec.type); !s) {
    issues.push_back({spec.name, s.error().message});
    return;
  }
  if (spec.type.kind == TypeKind::integer && value.is_int64()) {
    auto n = value.get_int64();
    if ((spec.min && n < *spec.min) || (spec.max && n > *spec.max))
      issues.push_back({spec.name, to_json_text(value) + " is out of range " + (spec.min ? std::to_string(*spec.min) : "") +
                                       "-" + (spec.max ? std::to_string(*spec.max) : "")});
  }
  if (spec.type.kind == TypeKind::list) {
    auto n = static_cast<std::int64_t>(value.get_array().size());
    if (spec.min && n < *spec.min) issues.push_back({spec.name, "needs at least " + std::to_string(*spec.min) + " item(s)"});
    if (spec.max && n > *spec.max) issues.push_back({spec.name, "allows at most " + std::to_string(*spec.max) + " item(s)"});
  }
  auto check_string = [&](const json::value& v, const std::string& path) {
    if (!v.is_string()) return;
    std::string text(v.get_string());
    if (!spec.allowed.empty()) {
      bool ok = false;
      for (auto& a : spec.allowed) ok = ok || a == text;
      if (!ok) {
        std::string list;
        for (auto& a : spec.allowed) list += (list.empty() ? "" : ", ") + a;
        issues.push_back({path, in_quotes(text) + " is not one of: " + list});
      }
    }
    if (spec.pattern && text.size() > kMaxPatternText)
      issues.push_back({path, in_quotes(text) + " is too long for a " + spec.name + " (at most " +
                                  std::to_string(kMaxPatternText) + " bytes)"});
    else if (spec.pattern && !spec.pattern->matches(text))
      issues.push_back({path, in_quotes(text) + " is not a valid " + spec.name + " (must match " + spec.pattern->source() + ")"});
  };
  if (value.is_array()) {
    const auto& items = value.get_array();
    for (std::size_t i = 0; i < items.size(); ++i) check_string(items[i], item_path(spec.name, i));
  } else {
    check_string(value, spec.name);
  }
}

}  // namespace

std::vector<SchemaIssue> ModuleSchema::check(const json::object& with, const TemplateTypeOf& type_of) const {
  std::vector<SchemaIssue> issues;
  for (auto& [key, value] : with) {
    const ParamSpec* spec = param(key);
    if (!spec) {
      std::string names;
      for (auto& p : params_) names += (names.empty() ? "" : ", ") + p.name;
      issues.push_back({std::string(key), "unknown parameter '" + std::string(key) + "' for " + name_ +
                                              (names.empty() ? " (it takes none)" : " (it takes: " + names + ")")});
      continue;
    }
    if (value.is_string() && has_template(value.get_string())) {
      if (is_whole_template(value.get_string())) {
        auto t = type_of ? type_of(value.get_string()) : std::nullopt;
        if (t && !type_fits(*t, spec->type))
          issues.push_back({spec->name, "expects " + spec->type.name() + " but " + std::string(value.get_string()) +
                                            " is " + t->name()});
      } else if (spec->type.kind == TypeKind::list || spec->type.kind == TypeKind::integer ||
                 spec->type.kind == TypeKind::boolean || spec->type.kind == TypeKind::object) {
        issues.push_back({spec->name, "expects " + spec->type.name() + "; text around a {{ }} template makes a string"});
      }
      continue;
    }
    if (value.is_array() && spec->type.kind == TypeKind::list) {
      // Items may themselves be templates; check the concrete ones only.
      json::array concrete;
      const auto& items = value.get_array();
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].is_string() && has_template(items[i].get_string())) {
          if (is_whole_template(items[i].get_string()) && type_of) {
            auto t = type_of(items[i].get_string());
            if (t && !type_fits(*t, ValueType{spec->type.item}) &&
                !(t->kind == TypeKind::list && type_fits(ValueType{t->item}, ValueType{spec->type.item})))
              issues.push_back({item_path(spec->name, i), "expects " + type_kind_name(spec->type.item) + " but " +
                                                            std::string(items[i].get_string()) + " is " + t->name()});
          }
          continue;
        }
        if (auto s = check_value(items[i], ValueType{spec->type.item}); !s) {
          issues.push_back({item_path(spec->name, i), s.error().message});
          continue;
        }
        concrete.push_back(items[i]);
      }
      ParamSpec whole = *spec;
      whole.min.reset();
      whole.max.reset();
      check_rules(whole, concrete, issues);
      continue;
    }
    check_rules(*spec, value, issues);
  }
  for (auto& spec : params_)
    if (spec.required && !with.contains(spec.name))
      issues.push_back({"", "missing required parameter '" + spec.name + "' for " + name_});
  for (auto& group : one_of_) {
    bool any = false;
    for (auto& n : group) any = any || with.contains(n);
    if (!any) {
      std::string names;
      for (auto& n : group) names += (names.empty() ? "" : ", ") + n;
      issues.push_back({"", name_ + " needs at least one of: " + names});
    }
  }
  return issues;
}

Result<json::object> ModuleSchema::resolve(const json::object& with) const {
  auto issues = check(with, nullptr);
  if (!issues.empty()) {
    std::string message;
    for (auto& issue : issues)
      message += (message.empty() ? "" : "; ") + (issue.path.empty() ? "" : issue.path + ": ") + issue.message;
    return bad_input(message);
  }
  json::object out = with;
  for (auto& spec : params_)
    if (!out.contains(spec.name) && spec.default_value) out[spec.name] = *spec.default_value;
  return out;
}

}  // namespace responder
