#include "responder/inventory/yaml_inventory.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cstdint>
#include <regex>

#include "responder/inventory/host_address.h"
#include "responder/inventory/host_range.h"
#include "responder/message_text.h"
#include "responder/yaml_json.h"

namespace responder::inventory {
namespace {

// Nodes visited per file, aliases counted each time they are expanded: an
// alias bomb fails with a message instead of exhausting memory and time.
// A node takes at least two bytes of text without aliases, so the budget
// grows with the file: a big honest inventory loads, a small bomb stops soon.
constexpr std::size_t kBaseNodes = 100000;

const char* kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a single value";
    default: return "nothing";
  }
}

// A plain scalar resolved as PyYAML's YAML 1.1 resolver does (timestamps
// and .inf/.nan stay text).
json::value resolve_plain(const std::string& text) {
  static const char* const kNull[] = {"", "~", "null", "Null", "NULL"};
  for (auto* n : kNull)
    if (text == n) return nullptr;
  static const char* const kTrue[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const char* const kFalse[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  for (auto* t : kTrue)
    if (text == t) return true;
  for (auto* f : kFalse)
    if (text == f) return false;
  // Long scalars are never numbers; the regexes below only see short ones.
  if (text.size() > 64 || text.find_first_not_of("0123456789abcdefABCDEFxXoO_+-.:eE") != std::string::npos)
    return json::string(text);
  static const std::regex kInt(
      R"(^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$)");
  static const std::regex kFloat(
      R"(^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*)$)");
  std::string clean;
  for (char c : text)
    if (c != '_') clean += c;
  bool negative = !clean.empty() && clean[0] == '-';
  std::string body = (!clean.empty() && (clean[0] == '-' || clean[0] == '+')) ? clean.substr(1) : clean;
  if (std::regex_match(text, kInt)) {
    std::int64_t n = 0;
    bool ok = true;
    if (body.find(':') != std::string::npos) {  // sexagesimal: 1:30 is 90
      std::size_t start = 0;
      while (ok) {
        std::size_t colon = body.find(':', start);
        std::int64_t part = 0;
        std::string piece = body.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        auto [p, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), part);
        ok = ec == std::errc() && part >= 0 && n <= (INT64_MAX - part) / 60;
        if (!ok) break;
        n = n * 60 + part;
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
    } else {
      int base = 10;
      std::string digits = body;
      if (body.size() > 1 && body[0] == '0') {
        if (body[1] == 'b') base = 2, digits = body.substr(2);
        else if (body[1] == 'x') base = 16, digits = body.substr(2);
        else base = 8, digits = body.substr(1);
      }
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n, base);
      ok = ec == std::errc() && p == digits.data() + digits.size();
    }
    if (ok) return negative ? -n : n;
    return json::string(text);  // beyond 64 bits: kept as text
  }
  if (std::regex_match(text, kFloat)) {
    double d = 0;
    if (body.find(':') != std::string::npos) {
      std::size_t start = 0;
      while (true) {
        std::size_t colon = body.find(':', start);
        std::string piece = body.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
        d = d * 60 + std::stod(piece.empty() ? "0" : piece);
        if (colon == std::string::npos) break;
        start = colon + 1;
      }
    } else {
      std::string digits = body;
      if (!digits.empty() && digits.back() == '.') digits += '0';
      if (!digits.empty() && digits[0] == '.') digits.insert(0, "0");
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), d);
      if (ec != std::errc()) return json::string(text);
    }
    return negative ? -d : d;
  }
  return json::string(text);
}

class YamlLoader {
 public:
  YamlLoader(const std::string& file, Inventory& inventory, std::vector<Diagnostic>& diagnostics)
      : file_(file), inventory_(inventory), diagnostics_(diagnostics) {}

  Status load(std::string_view text) {
    max_nodes_ = kBaseNodes + text.size();
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text));
    } catch (const YAML::DeepRecursion& e) {
      return fail_at(e.mark, kTooDeep);
    } catch (const YAML::Exception& e) {
      return fail_at(e.mark, "YAML syntax: " + e.msg);
    }
    try {
      if (!root.IsDefined() || root.IsNull() || (root.IsMap() && root.size() == 0))
        return fail_at({}, "the inventory is empty");
      if (!root.IsMap())
        return fail(root, std::string("a YAML inventory is a mapping of group names (all:, web:, ...), found ") + kind_of(root));
      const YAML::Node& top = root;
      if (auto plugin = top["plugin"]; plugin && plugin.IsScalar() && !plugin.Scalar().empty())
        return fail(plugin, "this is the configuration of an inventory plugin, not an inventory; responder reads "
                            "INI and YAML inventories only");
      for (auto it = root.begin(); it != root.end(); ++it) {
        std::string name;
        if (auto s = group_name(it->first, name); !s.ok()) return s;
        if (auto s = group(name, it->first, it->second, 1); !s.ok()) return s;
      }
    } catch (const YAML::Exception& e) {
      return fail_at(e.mark, "YAML: " + e.msg);
    }
    return {};
  }

 private:
  Status group_name(const YAML::Node& key, std::string& name) {
    if (!key.IsScalar()) return fail(key, std::string("a group name must be a text, found ") + kind_of(key));
    json::value v = key.Tag() == "!" ? json::value(json::string(key.Scalar())) : resolve_plain(key.Scalar());
    if (v.is_null() || (v.is_string() && v.get_string().empty())) return fail(key, "a group name cannot be empty");
    if (!v.is_string()) return fail(key, "group name " + in_quotes(key.Scalar()) + " must be a text: quote it");
    name = key.Scalar();
    return {};
  }

  // Ansible's _parse_group.
  Status group(const std::string& name, const YAML::Node& key, const YAML::Node& data, int depth) {
    if (depth > kMaxYamlNesting) return fail(key, kTooDeep);
    if (auto s = count(key); !s.ok()) return s;
    if (!data.IsMap() && !data.IsNull()) {
      warn(key, "skipping " + in_quotes(name) + ": a group is a mapping (hosts:, vars:, children:), found " + kind_of(data));
      return {};
    }
    if (auto s = inventory_.add_group(name); !s.ok()) return fail(key, s.error().message);
    if (data.IsNull()) return {};
    for (auto it = data.begin(); it != data.end(); ++it) {
      std::string section = it->first.IsScalar() ? it->first.Scalar() : "";
      YAML::Node value = it->second;  // a copy: it-> yields a proxy that dies with the statement
      bool known = section == "vars" || section == "children" || section == "hosts";
      if (known && !value.IsMap() && !value.IsNull() && !(value.IsScalar() && text_scalar(value)))
        return fail(value, "`" + section + "` of group " + in_quotes(name) + " must be a mapping, found " + kind_of(value));
      if (!value.IsMap() && !value.IsNull() && !(known && value.IsScalar())) {
        warn(it->first, "skipping key " + in_quotes(section) + " in group " + in_quotes(name) + ": it is not a mapping");
        continue;
      }
      if (value.IsNull()) continue;
      if (!known) {
        warn(it->first, "skipping key " + in_quotes(section) + " in group " + in_quotes(name) +
                            ": only hosts, vars and children are read");
        continue;
      }
      if (value.IsScalar()) {  // `hosts: web01` means `hosts: {web01: }`
        if (auto s = entry(name, section, value, YAML::Node(), depth); !s.ok()) return s;
        continue;
      }
      for (auto e = value.begin(); e != value.end(); ++e)
        if (auto s = entry(name, section, e->first, e->second, depth); !s.ok()) return s;
    }
    return {};
  }

  bool text_scalar(const YAML::Node& node) {
    return node.IsScalar() && (node.Tag() == "!" || resolve_plain(node.Scalar()).is_string());
  }

  Status entry(const std::string& group_name_, const std::string& section, const YAML::Node& key,
               const YAML::Node& value, int depth) {
    if (auto s = count(key); !s.ok()) return s;
    if (section == "vars") {
      if (!key.IsScalar()) return fail(key, "a variable name must be a text");
      auto v = convert(value);
      if (!v) return failed_ ? fail_at(failed_mark_, v.error().message) : fail(value, v.error().message);
      if (auto s = inventory_.set_variable(group_name_, key.Scalar(), std::move(*v)); !s.ok()) return fail(value, s.error().message);
      return {};
    }
    if (section == "children") {
      std::string child;
      if (auto s = this->group_name(key, child); !s.ok()) return s;
      if (auto s = group(child, key, value, depth + 1); !s.ok()) return s;
      if (auto s = inventory_.add_child(group_name_, child, {file_, key.Mark().line + 1, key.Mark().column + 1, ""}); !s.ok()) return fail(key, s.error().message);
      return {};
    }
    // hosts
    if (!key.IsScalar() || !text_scalar(key))
      return fail(key, "host " + in_quotes(key.IsScalar() ? key.Scalar() : "") +
                           " must be a text: enclose numbers in quotation marks");
    std::string text = key.Scalar();
    std::string pattern = text;
    std::optional<unsigned long long> port;
    if (auto address = parse_host_address(text)) {
      pattern = address->host;
      port = address->port;
    }
    auto names = expand_host_range(pattern, inventory_.host_budget());
    if (!names) return fail(key, names.error().message);
    json::object vars;
    if (value && !value.IsNull()) {
      if (!value.IsMap()) return fail(value, "the variables of host " + in_quotes(text) + " must be a mapping, found " + kind_of(value));
      auto v = convert(value);
      if (!v) return failed_ ? fail_at(failed_mark_, v.error().message) : fail(value, v.error().message);
      vars = std::move(v->get_object());
    }
    for (auto& name : *names) {
      bool is_new = inventory_.find_host(name) == nullptr;
      if (auto s = inventory_.add_host(name, group_name_); !s.ok()) return fail(key, s.error().message);
      if (is_new && port && *port != 0)
        (void)inventory_.set_variable(name, "ansible_port",
                                      *port <= static_cast<unsigned long long>(INT64_MAX)
                                          ? json::value(static_cast<std::int64_t>(*port))
                                          : json::value(*port));
      for (auto& [k, v] : vars) (void)inventory_.set_variable(name, std::string(k), v);
    }
    return {};
  }

  // Groups and entries count against the node budget too: aliased
  // `children:` must not make the walk exponential.
  Status count(const YAML::Node& at) {
    if (++nodes_ > max_nodes_)
      return fail(at, "more than " + std::to_string(max_nodes_) +
                          " YAML nodes for a file of this size (aliases count each time they are used)");
    return {};
  }

  // A value, YAML 1.1 scalars, bounded in nodes and depth.
  Result<json::value> convert(const YAML::Node& node, int depth = 0) {
    failed_ = false;
    auto r = convert_inner(node, depth);
    return r;
  }
  Result<json::value> convert_inner(const YAML::Node& node, int depth) {
    auto fail_here = [&](std::string message) -> Result<json::value> {
      failed_ = true;
      failed_mark_ = node.Mark();
      return bad_input(std::move(message));
    };
    if (++nodes_ > max_nodes_)
      return fail_here("more than " + std::to_string(max_nodes_) +
                       " YAML nodes for a file of this size (aliases count each time they are used)");
    if (depth > kMaxYamlNesting) return fail_here(kTooDeep);
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined: return json::value(nullptr);
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        if (tag == "!" || tag == "!unsafe" || tag == "!vault" || tag == "tag:yaml.org,2002:str")
          return json::value(json::string(node.Scalar()));
        return resolve_plain(node.Scalar());
      }
      case YAML::NodeType::Sequence: {
        json::array out;
        for (auto& item : node) {
          auto v = convert_inner(item, depth + 1);
          if (!v) return v;
          out.push_back(std::move(*v));
        }
        return json::value(std::move(out));
      }
      case YAML::NodeType::Map: {
        json::object out;
        for (auto it = node.begin(); it != node.end(); ++it) {
          if (!it->first.IsScalar()) return fail_here("mapping keys must be single values");
          auto v = convert_inner(it->second, depth + 1);
          if (!v) return v;
          // Keys as Python's json module writes them.
          json::value k = it->first.Tag() == "!" ? json::value(json::string(it->first.Scalar())) : resolve_plain(it->first.Scalar());
          std::string key = k.is_bool() ? (k.get_bool() ? "true" : "false") : k.is_null() ? "null" : it->first.Scalar();
          out[key] = std::move(*v);
        }
        return json::value(std::move(out));
      }
    }
    return json::value(nullptr);
  }

  Status fail(const YAML::Node& node, const std::string& message) { return fail_at(node.Mark(), message); }
  Status fail_at(const YAML::Mark& mark, const std::string& message) {
    int line = mark.is_null() ? 1 : mark.line + 1, column = mark.is_null() ? 1 : mark.column + 1;
    diagnostics_.push_back({file_, line, column, message});
    return bad_input(diagnostics_.back().format());
  }
  void warn(const YAML::Node& node, const std::string& message) {
    YAML::Mark mark = node.Mark();
    diagnostics_.push_back({file_, mark.is_null() ? 1 : mark.line + 1, mark.is_null() ? 1 : mark.column + 1, message, true});
  }

  const std::string& file_;
  Inventory& inventory_;
  std::vector<Diagnostic>& diagnostics_;
  std::size_t nodes_ = 0;
  std::size_t max_nodes_ = kBaseNodes;
  bool failed_ = false;
  YAML::Mark failed_mark_;
};

}  // namespace

Status load_yaml_inventory(std::string_view text, const std::string& file, Inventory& inventory,
                           std::vector<Diagnostic>& diagnostics) {
  return YamlLoader(file, inventory, diagnostics).load(text);
}

bool looks_like_yaml_inventory(std::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap() || root.size() == 0) return false;
    for (auto it = root.begin(); it != root.end(); ++it)
      if (!it->first.IsScalar() || !(it->second.IsMap() || it->second.IsNull())) return false;
    return true;
  } catch (const YAML::Exception&) {
    return false;
  }
}

}  // namespace responder::inventory
