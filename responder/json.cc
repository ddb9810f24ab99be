#include "responder/json.h"

#include <boost/json/src.hpp>

namespace responder {

std::string to_json_text(const json::value& value) { return json::serialize(value); }

json::value parse_json(std::string_view text) { return json::parse(text); }

std::string display(const json::value& value) {
  if (value.is_string()) return std::string(value.get_string());
  return json::serialize(value);
}

json::array string_array(const std::vector<std::string>& items) {
  json::array out;
  for (auto& i : items) out.push_back(json::string(i));
  return out;
}

std::string comma_joined(const std::vector<std::string>& items) {
  std::string out;
  for (auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace responder
