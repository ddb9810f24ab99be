// YAML nodes to JSON values, bounded so that an alias bomb cannot explode.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "responder/json.h"
#include "responder/result.h"

namespace YAML {
class Node;
struct Mark;
}  // namespace YAML

namespace responder {

// Where each value came from: "key", "key[2]", "key.sub" -> 1-based line, column.
struct SourcePosition {
  int line = 0;
  int column = 0;
};
using SourceMap = std::map<std::string, SourcePosition>;

SourcePosition position_of(const YAML::Mark& mark);

// Deepest nesting of YAML collections yaml_to_json accepts.
inline constexpr int kMaxYamlNesting = 64;
// The message for a document nested deeper than that, wherever it is found.
inline constexpr const char* kTooDeep = "nested more than 64 levels deep; refusing to load it";

// Plain scalars become null, bool, integer, float or string by the YAML 1.2
// core schema; quoted scalars are always strings. Visiting more than
// `max_nodes` nodes (aliases count every time they are expanded) fails with an
// error naming `origin` instead of exhausting memory. `budget` is shared by
// all conversions of one document and decreases by the nodes visited. When
// `positions` is given, it receives the position of every value, keyed by its
// path.
// On failure the message has no location; `failed_at`, when given, receives
// where the problem is.
Result<json::value> yaml_to_json(const YAML::Node& node, const std::string& origin, std::size_t& budget,
                                 SourceMap* positions = nullptr, SourcePosition* failed_at = nullptr);
// The same with a budget of its own.
Result<json::value> yaml_to_json_bounded(const YAML::Node& node, const std::string& origin, std::size_t max_nodes,
                                         SourceMap* positions = nullptr);

}  // namespace responder
