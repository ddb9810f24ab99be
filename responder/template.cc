#include "responder/template.h"

#include "responder/schema.h"

namespace responder {

std::vector<TemplateUse> find_templates(std::string_view text) {
  std::vector<TemplateUse> uses;
  std::size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    auto close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) {
      uses.push_back({pos, ExpressionError{pos, "'{{' is never closed with '}}'"}});
      break;
    }
    std::string inner(text.substr(pos + 2, close - pos - 2));
    auto parsed = parse_reference(inner);
    if (auto* error = std::get_if<ExpressionError>(&parsed)) error->offset += pos + 2;
    else std::get<NameReference>(parsed).offset += pos + 2;
    uses.push_back({pos, std::move(parsed)});
    pos = close + 2;
  }
  return uses;
}

namespace {

Result<json::value> resolve(const NameReference& ref, const json::object& scope) {
  auto found = lookup_path(scope, ref.path);
  if (!found) return bad_input("{{ " + ref.dotted() + " }} is not known at this point");
  return *found;
}

Result<json::value> substitute_string(std::string_view text, const json::object& scope) {
  auto uses = find_templates(text);
  if (uses.empty()) return json::value(json::string(text));
  for (auto& use : uses)
    if (auto* error = std::get_if<ExpressionError>(&use.reference)) return bad_input(error->message);
  if (is_whole_template(text)) return resolve(std::get<NameReference>(uses[0].reference), scope);
  std::string out;
  std::size_t pos = 0;
  for (auto& use : uses) {
    out.append(text.substr(pos, use.offset - pos));
    auto value = resolve(std::get<NameReference>(use.reference), scope);
    if (!value) return value;
    out += display(*value);
    pos = text.find("}}", use.offset) + 2;
  }
  out.append(text.substr(pos));
  return json::value(json::string(out));
}

}  // namespace

Result<json::value> substitute(const json::value& value, const json::object& scope) {
  if (value.is_string()) return substitute_string(value.get_string(), scope);
  if (value.is_array()) {
    json::array out;
    for (auto& item : value.get_array()) {
      auto v = substitute(item, scope);
      if (!v) return v;
      bool splice = item.is_string() && is_whole_template(item.get_string()) && v->is_array();
      if (splice) {
        for (auto& inner : v->get_array()) out.push_back(inner);
      } else {
        out.push_back(std::move(*v));
      }
    }
    return json::value(std::move(out));
  }
  if (value.is_object()) {
    json::object out;
    for (auto& [key, item] : value.get_object()) {
      auto v = substitute(item, scope);
      if (!v) return v;
      out[key] = std::move(*v);
    }
    return json::value(std::move(out));
  }
  return value;
}

}  // namespace responder
