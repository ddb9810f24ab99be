#include "responder/expression.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <variant>

namespace responder {

std::string NameReference::dotted() const {
  std::string out;
  for (auto& p : path) {
    bool word = !p.empty() && std::all_of(p.begin(), p.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
    out += word ? (out.empty() ? "" : ".") + p : "['" + p + "']";
  }
  return out;
}

struct Expression::Node {
  enum Kind { literal, name, list, not_, and_, or_, compare } kind = literal;
  std::string op;  // for compare
  json::value value;
  NameReference reference;
  std::vector<std::shared_ptr<const Node>> children;
};

namespace {

using NodePtr = std::shared_ptr<const Expression::Node>;
using Node = Expression::Node;

struct ParseFailure {
  ExpressionError error;
};

class Parser {
 public:
  Parser(const std::string& text, std::vector<NameReference>& names) : text_(text), names_(names) {}

  NodePtr parse_all() {
    auto node = parse_or();
    skip_space();
    if (pos_ != text_.size()) fail("unexpected '" + text_.substr(pos_, 1) + "'");
    return node;
  }

  NameReference parse_name_only() {
    skip_space();
    if (!at_name_start()) fail("expected a name such as attacker or finding.kind");
    NameReference ref = read_name();
    skip_space();
    if (pos_ != text_.size()) fail("expected only a dotted name");
    return ref;
  }

 private:
  [[noreturn]] void fail(const std::string& message) { throw ParseFailure{{pos_, message}}; }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool at_name_start() const {
    return pos_ < text_.size() && (std::isalpha(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_');
  }
  bool is_word_char(char c) const { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
  // True (and consumes) when the next token is the keyword `word`.
  bool keyword(const char* word) {
    skip_space();
    std::size_t n = std::char_traits<char>::length(word);
    if (text_.compare(pos_, n, word) != 0) return false;
    if (pos_ + n < text_.size() && is_word_char(text_[pos_ + n])) return false;
    pos_ += n;
    return true;
  }
  bool symbol(const char* s) {
    skip_space();
    std::size_t n = std::char_traits<char>::length(s);
    if (text_.compare(pos_, n, s) != 0) return false;
    pos_ += n;
    return true;
  }

  NodePtr make(Node::Kind kind, std::vector<NodePtr> children, std::string op = "") {
    auto node = std::make_shared<Node>();
    node->kind = kind;
    node->children = std::move(children);
    node->op = std::move(op);
    return node;
  }

  // One more level of nesting that starts at `at`; refused past the limit
  // so that hostile input cannot exhaust the stack of the parser, the
  // evaluator or the destructor of the tree.
  class Nesting {
   public:
    Nesting(Parser& parser, std::size_t at) : parser_(parser) {
      if (++parser_.depth_ > kMaxExpressionNesting) {
        parser_.pos_ = at;
        parser_.fail("nested more than " + std::to_string(kMaxExpressionNesting) +
                     " levels deep (parentheses, lists and `not` count)");
      }
    }
    ~Nesting() { --parser_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& parser_;
  };

  // `a or b or c` is one node with three children, not a chain, so that a
  // long flat condition does not make a deep tree.
  NodePtr parse_or() {
    std::vector<NodePtr> items{parse_and()};
    while (keyword("or")) items.push_back(parse_and());
    return items.size() == 1 ? items[0] : make(Node::or_, std::move(items));
  }
  NodePtr parse_and() {
    std::vector<NodePtr> items{parse_not()};
    while (keyword("and")) items.push_back(parse_not());
    return items.size() == 1 ? items[0] : make(Node::and_, std::move(items));
  }
  NodePtr parse_not() {
    skip_space();
    std::size_t save = pos_;
    if (keyword("not")) {
      // `not in` belongs to a comparison, not to negation.
      skip_space();
      if (text_.compare(pos_, 2, "in") == 0 && (pos_ + 2 >= text_.size() || !is_word_char(text_[pos_ + 2]))) {
        pos_ = save;
      } else {
        Nesting level(*this, save);
        return make(Node::not_, {parse_not()});
      }
    }
    return parse_compare();
  }
  NodePtr parse_compare() {
    auto left = parse_value();
    skip_space();
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"})
      if (symbol(op)) return make(Node::compare, {left, parse_value()}, op);
    std::size_t save = pos_;
    if (keyword("not")) {
      if (keyword("in")) return make(Node::compare, {left, parse_value()}, "not in");
      pos_ = save;
    }
    if (keyword("in")) return make(Node::compare, {left, parse_value()}, "in");
    return left;
  }
  NodePtr parse_value() {
    skip_space();
    if (pos_ >= text_.size()) fail("expression ends too early");
    char c = text_[pos_];
    if (c == '(') {
      Nesting level(*this, pos_);
      ++pos_;
      auto inner = parse_or();
      if (!symbol(")")) fail("expected ')'");
      return inner;
    }
    if (c == '[') {
      Nesting level(*this, pos_);
      ++pos_;
      std::vector<NodePtr> items;
      if (!symbol("]")) {
        do items.push_back(parse_or());
        while (symbol(","));
        if (!symbol("]")) fail("expected ',' or ']'");
      }
      return make(Node::list, std::move(items));
    }
    if (c == '\'' || c == '"') {
      std::size_t start = pos_++;
      std::string value;
      while (pos_ < text_.size() && text_[pos_] != c) value += text_[pos_++];
      if (pos_ >= text_.size()) {
        pos_ = start;
        fail("text that starts here is never closed");
      }
      ++pos_;
      auto node = std::make_shared<Node>();
      node->value = json::string(value);
      return node;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '-') {
      std::size_t start = pos_;
      if (c == '-') ++pos_;
      while (pos_ < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.')) ++pos_;
      std::string number = text_.substr(start, pos_ - start);
      auto node = std::make_shared<Node>();
      std::int64_t i = 0;
      if (auto [p, ec] = std::from_chars(number.data(), number.data() + number.size(), i);
          ec == std::errc() && p == number.data() + number.size()) {
        node->value = i;
      } else {
        double d = 0;
        auto [q, ec2] = std::from_chars(number.data(), number.data() + number.size(), d);
        if (ec2 != std::errc() || q != number.data() + number.size()) {
          pos_ = start;
          fail("'" + number + "' is not a number");
        }
        node->value = d;
      }
      return node;
    }
    if (at_name_start()) {
      std::size_t start = pos_;
      if (keyword("true") || keyword("false") || keyword("null")) {
        auto node = std::make_shared<Node>();
        std::string word = text_.substr(start, pos_ - start);
        if (word == "true") node->value = true;
        else if (word == "false") node->value = false;
        return node;
      }
      for (const char* reserved : {"and", "or", "not", "in"}) {
        if (keyword(reserved)) {
          pos_ = start;
          fail("expected a value before '" + std::string(reserved) + "'");
        }
      }
      auto node = std::make_shared<Node>();
      node->kind = Node::name;
      node->reference = read_name();
      names_.push_back(node->reference);
      return node;
    }
    fail("unexpected '" + std::string(1, c) + "'");
  }

  NameReference read_name() {
    NameReference ref;
    ref.offset = pos_;
    while (true) {
      std::size_t start = pos_;
      while (pos_ < text_.size() && (is_word_char(text_[pos_]) || text_[pos_] == '-')) ++pos_;
      if (start == pos_) fail("expected a name after '.'");
      ref.path.push_back(text_.substr(start, pos_ - start));
      // `name.hosts['web01']`: a key that is not a plain word (host names
      // hold dots), quoted in brackets right after the name.
      while (pos_ + 1 < text_.size() && text_[pos_] == '[' && (text_[pos_ + 1] == '\'' || text_[pos_ + 1] == '"')) {
        char quote = text_[pos_ + 1];
        std::size_t key_start = pos_ + 2;
        std::size_t key_end = text_.find(quote, key_start);
        if (key_end == std::string::npos) fail("the key that starts here is never closed");
        if (key_end + 1 >= text_.size() || text_[key_end + 1] != ']') {
          pos_ = key_end + 1;
          fail("expected ']' after the quoted key");
        }
        ref.path.push_back(text_.substr(key_start, key_end - key_start));
        pos_ = key_end + 2;
      }
      if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        continue;
      }
      break;
    }
    return ref;
  }

  const std::string& text_;
  std::vector<NameReference>& names_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

bool numeric(const json::value& v) { return v.is_int64() || v.is_uint64() || v.is_double(); }
double as_double(const json::value& v) { return v.is_double() ? v.get_double() : v.is_int64() ? double(v.get_int64()) : double(v.get_uint64()); }

bool equal(const json::value& a, const json::value& b) {
  if (numeric(a) && numeric(b)) return as_double(a) == as_double(b);
  return a == b;
}

struct Evaluator {
  const NameLookup& lookup;

  Result<json::value> value(const Node& node) {
    switch (node.kind) {
      case Node::literal: return node.value;
      case Node::name: {
        auto found = lookup(node.reference.path);
        if (!found) return failure("'" + node.reference.dotted() + "' is not known here");
        return *found;
      }
      case Node::list: {
        json::array items;
        for (auto& child : node.children) {
          auto v = value(*child);
          if (!v) return v;
          items.push_back(std::move(*v));
        }
        return json::value(std::move(items));
      }
      case Node::not_: {
        auto v = value(*node.children[0]);
        if (!v) return v;
        return json::value(!truthy(*v));
      }
      case Node::and_:
      case Node::or_: {
        // Short-circuits: `and` stops at the first false, `or` at the first true.
        bool decided = node.kind == Node::or_;
        for (auto& child : node.children) {
          auto v = value(*child);
          if (!v) return v;
          if (truthy(*v) == decided) return json::value(decided);
        }
        return json::value(!decided);
      }
      case Node::compare: {
        auto left = value(*node.children[0]);
        if (!left) return left;
        auto right = value(*node.children[1]);
        if (!right) return right;
        return compare(node.op, *left, *right);
      }
    }
    return json::value(nullptr);
  }

  Result<json::value> compare(const std::string& op, const json::value& a, const json::value& b) {
    if (op == "==") return json::value(equal(a, b));
    if (op == "!=") return json::value(!equal(a, b));
    if (op == "in" || op == "not in") {
      bool found = false;
      if (b.is_array()) {
        for (auto& item : b.get_array()) found = found || equal(a, item);
      } else if (b.is_string() && a.is_string()) {
        found = std::string_view(b.get_string()).find(a.get_string()) != std::string_view::npos;
      } else if (b.is_object() && a.is_string()) {
        found = b.get_object().contains(a.get_string());
      } else if (!b.is_null()) {
        return failure("'in' needs a list, text or mapping on its right, found " + to_json_text(b));
      }
      return json::value(op == "in" ? found : !found);
    }
    int order;
    if (numeric(a) && numeric(b)) order = as_double(a) < as_double(b) ? -1 : as_double(a) > as_double(b) ? 1 : 0;
    else if (a.is_string() && b.is_string()) order = a.get_string().compare(b.get_string());
    else return failure("cannot compare " + to_json_text(a) + " " + op + " " + to_json_text(b));
    if (op == "<") return json::value(order < 0);
    if (op == ">") return json::value(order > 0);
    if (op == "<=") return json::value(order <= 0);
    return json::value(order >= 0);
  }
};

}  // namespace

std::variant<Expression, ExpressionError> Expression::parse(const std::string& text) {
  Expression out;
  out.text_ = text;
  try {
    Parser parser(text, out.names_);
    out.root_ = parser.parse_all();
  } catch (const ParseFailure& f) {
    return f.error;
  }
  return out;
}

Result<bool> Expression::evaluate(const NameLookup& lookup) const {
  Evaluator evaluator{lookup};
  auto v = evaluator.value(*root_);
  if (!v) return v.error();
  return truthy(*v);
}

std::variant<NameReference, ExpressionError> parse_reference(const std::string& text) {
  std::vector<NameReference> names;
  try {
    Parser parser(text, names);
    return parser.parse_name_only();
  } catch (const ParseFailure& f) {
    return f.error;
  }
}

std::optional<json::value> lookup_path(const json::object& root, const std::vector<std::string>& path) {
  const json::value* current = nullptr;
  const json::object* object = &root;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (object) {
      current = object->if_contains(path[i]);
    } else if (current && current->is_array()) {
      std::size_t index = 0;
      auto [p, ec] = std::from_chars(path[i].data(), path[i].data() + path[i].size(), index);
      if (ec != std::errc() || p != path[i].data() + path[i].size() || index >= current->get_array().size()) return std::nullopt;
      current = &current->get_array()[index];
    } else {
      return std::nullopt;
    }
    if (!current) return std::nullopt;
    object = current->is_object() ? &current->get_object() : nullptr;
  }
  if (!current) return std::nullopt;
  return *current;
}

bool truthy(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return false;
    case json::kind::bool_: return v.get_bool();
    case json::kind::int64: return v.get_int64() != 0;
    case json::kind::uint64: return v.get_uint64() != 0;
    case json::kind::double_: return v.get_double() != 0;
    case json::kind::string: return !v.get_string().empty();
    case json::kind::array: return !v.get_array().empty();
    case json::kind::object: return !v.get_object().empty();
  }
  return false;
}

}  // namespace responder
