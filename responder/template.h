// `{{ name.field }}` in step parameters: typed substitution, never command text.
//
// A string that is exactly one template takes the referenced value with its
// type (a list variable fills a list parameter); a template inside other text
// is rendered into that text. Inside a list, a whole template that yields a
// list is spliced in, so `addresses: ["{{ finding.sources }}", 192.0.2.9]`
// is one flat list of addresses.
#pragma once

#include <string_view>
#include <vector>

#include "responder/expression.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder {

struct TemplateUse {
  std::size_t offset = 0;  // of the `{{` in the text
  std::variant<NameReference, ExpressionError> reference;
};

// Every `{{ ... }}` in `text`, parsed; an unclosed `{{` is an error entry.
std::vector<TemplateUse> find_templates(std::string_view text);

// Replaces every template in `value` (recursively) using `scope`, whose
// top-level keys are variable names, registered step names and `incident`.
// An unknown reference is a bad-input error naming it.
Result<json::value> substitute(const json::value& value, const json::object& scope);

}  // namespace responder
