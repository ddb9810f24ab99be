#include "responder/variables.h"

#include "responder/diagnostic.h"
#include "responder/message_text.h"
#include "responder/printable_text.h"

namespace responder {

Result<json::object> resolve_variables(const Playbook& playbook, const std::vector<std::string>& assignments,
                                       bool require_all, std::vector<std::string>* missing) {
  json::object values;
  std::string problems;
  auto problem = [&](const std::string& text) { problems += (problems.empty() ? "" : "\n") + text; };
  for (auto& assignment : assignments) {
    auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      problem("--var " + in_quotes(assignment) + ": expected NAME=VALUE");
      continue;
    }
    std::string name = assignment.substr(0, eq);
    // The second of two values must not quietly win over the first.
    if (values.contains(name)) {
      problem("--var " + in_quotes(name) + " is given twice; give it once");
      continue;
    }
    const VariableDecl* decl = playbook.find_variable(name);
    if (!decl) {
      std::vector<std::string> names;
      for (auto& v : playbook.variables) names.push_back(v.name);
      auto hint = closest_match(name, names);
      problem("--var " + in_quotes(name) + ": " + one_line(playbook.file) + " declares no variable " + in_quotes(name) +
              (hint.empty() ? "" : "; did you mean '" + hint + "'?"));
      continue;
    }
    // The same characters a playbook may hold: the value goes into the JSON
    // journal and onto terminals.
    if (auto bad = first_unprintable(std::string_view(assignment).substr(eq + 1))) {
      problem("--var " + name + ": at character " + std::to_string(bad->column) + " of the value: " + bad->message);
      continue;
    }
    auto value = value_from_text(assignment.substr(eq + 1), decl->type);
    if (!value) {
      problem("--var " + name + ": " + one_line(value.error().message) + " (declared " + decl->type.name() + ")");
      continue;
    }
    values[name] = std::move(*value);
  }
  for (auto& decl : playbook.variables) {
    if (values.contains(decl.name)) continue;
    if (decl.default_value) {
      values[decl.name] = *decl.default_value;
    } else if (decl.required) {
      if (missing) missing->push_back(decl.name);
      if (require_all) problem("variable '" + decl.name + "' (" + decl.type.name() + ") is required: add --var " + decl.name + "=...");
    }
  }
  if (!problems.empty()) return bad_input(problems);
  return values;
}

}  // namespace responder
