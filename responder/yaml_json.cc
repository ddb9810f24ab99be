#include "responder/yaml_json.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>

#include "responder/utf8.h"

namespace responder {

SourcePosition position_of(const YAML::Mark& mark) { return {mark.line + 1, mark.column + 1}; }

namespace {

json::value scalar(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return json::string(text);  // quoted: always text
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") return nullptr;
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  std::int64_t n = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (*begin == '+') ++begin;
  if (auto [p, ec] = std::from_chars(begin, end, n); ec == std::errc() && p == end) return n;
  bool numeric_shape = text.find_first_not_of("0123456789.eE+-") == std::string::npos &&
                       text.find_first_of("0123456789") != std::string::npos && text.find('.') != std::string::npos;
  if (numeric_shape) {
    double d = 0;
    if (auto [p, ec] = std::from_chars(begin, end, d); ec == std::errc() && p == end) return d;
  }
  return json::string(text);
}

// Raw NUL bytes and bad UTF-8 are refused before parsing (printable_text.h);
// these come from escapes in double-quoted scalars ("\0", "\ud800").
std::string unusable_text(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return "a NUL character (\\0) is not allowed in a value";
  for (std::size_t pos = 0; pos < text.size();) {
    Utf8Char c = decode_utf8(text, pos);
    if (!c.valid) return "this value is not valid UTF-8 (an escaped surrogate?)";
    pos += c.size;
  }
  return "";
}

struct Converter {
  const std::string& origin;
  std::size_t& budget;
  std::size_t limit;
  SourceMap* positions;
  SourcePosition* failed_at;
  int depth = 0;

  Result<json::value> fail(const YAML::Node& node, std::string message) {
    if (failed_at) *failed_at = position_of(node.Mark());
    return bad_input(std::move(message));
  }

  Result<json::value> convert(const YAML::Node& node, const std::string& path) {
    if (budget == 0)
      return fail(node, "document expands to more than " + std::to_string(limit) +
                            " values (a YAML alias bomb?); refusing to load it");
    --budget;
    if (depth > kMaxYamlNesting) return fail(node, kTooDeep);
    // One lookup per value: an alias expanded 100,000 times costs that many.
    if (positions && !path.empty()) positions->try_emplace(path, position_of(node.Mark()));
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return json::value(nullptr);
      case YAML::NodeType::Scalar:
        if (auto why = unusable_text(node.Scalar()); !why.empty()) return fail(node, why);
        return scalar(node);
      case YAML::NodeType::Sequence: {
        json::array out;
        std::size_t i = 0;
        ++depth;
        for (auto item : node) {
          auto v = convert(item, path + "[" + std::to_string(i++) + "]");
          if (!v) return v;
          out.push_back(std::move(*v));
        }
        --depth;
        return json::value(std::move(out));
      }
      case YAML::NodeType::Map: {
        json::object out;
        ++depth;
        for (auto it : node) {
          if (!it.first.IsScalar()) return fail(it.first, "keys must be plain names");
          std::string key = it.first.Scalar();
          if (auto why = unusable_text(key); !why.empty()) return fail(it.first, why);
          std::string child = path.empty() ? key : path + "." + key;
          if (positions) (*positions)[child + "#key"] = position_of(it.first.Mark());
          auto v = convert(it.second, child);
          if (!v) return v;
          out[key] = std::move(*v);
        }
        --depth;
        return json::value(std::move(out));
      }
    }
    return json::value(nullptr);
  }
};

}  // namespace

Result<json::value> yaml_to_json(const YAML::Node& node, const std::string& origin, std::size_t& budget,
                                 SourceMap* positions, SourcePosition* failed_at) {
  Converter converter{origin, budget, budget, positions, failed_at};
  return converter.convert(node, "");
}

Result<json::value> yaml_to_json_bounded(const YAML::Node& node, const std::string& origin, std::size_t max_nodes,
                                         SourceMap* positions) {
  return yaml_to_json(node, origin, max_nodes, positions);
}

}  // namespace responder
