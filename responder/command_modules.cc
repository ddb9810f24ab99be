// responder modules [NAME]: what a playbook step can use, read from the
// modules' own declared schemas (never a second description to drift).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "responder/command.h"
#include "responder/diagnostic.h"
#include "responder/exit_code.h"
#include "responder/message_text.h"
#include "responder/module.h"
#include "responder/schema.h"

namespace responder {
namespace {

json::object param_json(const ParamSpec& p) {
  json::object o{{"name", p.name}, {"type", p.type.name()}, {"required", p.required}, {"description", p.description}};
  if (p.default_value) o["default"] = *p.default_value;
  if (!p.allowed.empty()) o["allowed"] = string_array(p.allowed);
  if (p.min) o["min"] = *p.min;
  if (p.max) o["max"] = *p.max;
  return o;
}

json::object module_json(const ModuleSchema& s, bool with_params) {
  json::object o{{"module", s.name()}, {"summary", s.summary()}, {"stages", string_array(s.stages())}, {"undo", s.undo()}};
  if (with_params) {
    json::array params;
    for (auto& p : s.params()) params.push_back(param_json(p));
    o["params"] = std::move(params);
    json::array needs;
    for (auto& r : s.requirements()) needs.push_back(json::object{{"need", r.need}, {"with_param", r.with_param}});
    o["requires"] = std::move(needs);
  }
  return o;
}

void print_one(const ModuleSchema& s) {
  std::cout << s.name() << " — " << s.summary() << "\n"
            << "  stages: " << comma_joined(s.stages()) << "\n"
            << "  undo:   " << s.undo() << "\n";
  if (!s.requirements().empty()) {
    std::vector<std::string> needs;
    for (auto& r : s.requirements()) needs.push_back(r.need + (r.with_param.empty() ? "" : " (with " + r.with_param + ")"));
    std::cout << "  needs:  " << comma_joined(needs) << "\n";
  }
  std::cout << "  parameters (with:):\n";
  if (s.params().empty()) std::cout << "    none\n";
  for (auto& p : s.params()) {
    std::string line = "    " + p.name + ": " + std::string(p.type.name());
    if (p.required) line += ", required";
    if (p.default_value) line += ", default " + to_json_text(*p.default_value);
    if (!p.allowed.empty()) {
      line += ", one of";
      for (std::size_t i = 0; i < p.allowed.size(); ++i) line += (i ? " | " : " ") + p.allowed[i];
    }
    if (p.min) line += ", min " + std::to_string(*p.min);
    if (p.max) line += ", max " + std::to_string(*p.max);
    std::cout << line << "\n";
    if (!p.description.empty()) std::cout << "        " << one_line(p.description) << "\n";
  }
}

int modules(const GlobalOptions& globals, const std::string& name) {
  auto names = ModuleRegistry::instance().names();
  std::sort(names.begin(), names.end());
  if (!name.empty()) {
    const Module* module = ModuleRegistry::instance().find(name);
    if (!module) {
      auto hint = closest_match(name, names);
      return report_error(bad_input("no module " + in_quotes(name) + " in this build" +
                                    (hint.empty() ? "" : "; did you mean '" + hint + "'?") +
                                    " (responder modules lists them)"));
    }
    if (globals.json) std::cout << to_json_text(module_json(module->schema(), true)) << "\n";
    else print_one(module->schema());
    return kExitSuccess;
  }
  std::size_t width = 0;
  for (auto& n : names) width = std::max(width, n.size());
  for (auto& n : names) {
    const ModuleSchema& s = ModuleRegistry::instance().find(n)->schema();
    if (globals.json) {
      std::cout << to_json_text(module_json(s, true)) << "\n";
      continue;
    }
    std::cout << n << std::string(width - n.size() + 2, ' ') << s.summary() << "  [" << comma_joined(s.stages()) << "]\n";
  }
  if (!globals.json) std::cout << "\nresponder modules NAME shows a module's parameters\n";
  return kExitSuccess;
}

void setup_modules(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto name = std::make_shared<std::string>();
  command.add_option("module", *name, "one module, with its parameters")->type_name("NAME");
  command.footer("Examples:\n  responder modules\n  responder modules firewall.block");
  action = [name, &globals] { return modules(globals, *name); };
}

const CommandRegistration modules_registration{
    {"modules", "the modules a step can use, and each one's parameters, from their schemas", 15, setup_modules}};

}  // namespace
}  // namespace responder
