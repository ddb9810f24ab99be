// The `when:` condition language, and the dotted names `{{ ... }}` refers to.
//
//   expr  := or ;  or := and ('or' and)* ;  and := not ('and' not)*
//   not   := 'not' not | cmp
//   cmp   := value (('=='|'!='|'<'|'>'|'<='|'>='|'in'|'not in') value)?
//   value := 'text' | "text" | number | true | false | null
//          | name ('.' name)* | '(' expr ')' | '[' expr (',' expr)* ']'
//
// `a in b` holds when b is a list containing a, a string containing a, or a
// mapping with key a. Truthiness: false, null, 0, "" and [] are false.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/result.h"

namespace responder {

// A dotted reference such as `finding.kind`, with its offset in the text.
struct NameReference {
  std::vector<std::string> path;
  std::size_t offset = 0;  // 0-based, in the expression text
  std::string dotted() const;
};

// Looks up a whole dotted path; nullopt when it does not exist.
using NameLookup = std::function<std::optional<json::value>(const std::vector<std::string>& path)>;

// Deepest nesting of parentheses, lists and `not` that parse() accepts;
// deeper input is an ExpressionError, never unbounded recursion.
inline constexpr int kMaxExpressionNesting = 64;

struct ExpressionError {
  std::size_t offset = 0;  // 0-based position of the problem in the text
  std::string message;
};

class Expression {
 public:
  // Parses `text`; on failure, where and why.
  static std::variant<Expression, ExpressionError> parse(const std::string& text);

  // Every name the expression reads, in order of appearance.
  const std::vector<NameReference>& names() const { return names_; }
  // Evaluates to a truth value; an unknown name is a failure naming it.
  Result<bool> evaluate(const NameLookup& lookup) const;
  const std::string& text() const { return text_; }

  struct Node;

 private:
  std::shared_ptr<const Node> root_;
  std::vector<NameReference> names_;
  std::string text_;
};

// Parses the inside of `{{ ... }}`: one dotted name, spaces around allowed.
std::variant<NameReference, ExpressionError> parse_reference(const std::string& text);

// Follows `path` through nested objects (and list indexes) of `root`.
std::optional<json::value> lookup_path(const json::object& root, const std::vector<std::string>& path);

bool truthy(const json::value& value);

}  // namespace responder
