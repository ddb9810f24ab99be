// A notification's words, kept in a file:
//
//   Subject: Security incident {{ incident.id }} ({{ incident.severity }})
//
//   We are responding to a {{ finding.kind }} attack. ...
//
// The first line is the subject; after one blank line comes the body.
// `{{ }}` references are rendered from the run's scope (variables,
// registered step outputs, `incident`), as in playbook parameters.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder::notify {

struct RenderedMessage {
  std::string subject;
  std::string body;
  // The scope names (variables, registered outputs, `incident`) a template
  // read, sorted: what `resume --var` must know the message used.
  std::vector<std::string> names_read;
};

// Reads `file` and renders it; bad input names the file (and line for a
// missing Subject: or blank line, or a reference the scope lacks).
Result<RenderedMessage> render_template_file(const std::filesystem::path& file, const json::object& scope);
// Splits text already rendered (a step's inline `text:`, which the runner
// substituted with the other parameters) into subject and body, without
// rendering it again: attack data in it stays words, never templates.
Result<RenderedMessage> split_message_text(const std::string& text, const std::string& origin);
// Renders text already in memory; `origin` names it in errors.
Result<RenderedMessage> render_template_text(const std::string& text, const json::object& scope,
                                             const std::string& origin);

}  // namespace responder::notify
