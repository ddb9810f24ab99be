#include "responder/inventory/ini_inventory.h"

#include <cctype>
#include <map>

#include "responder/inventory/host_address.h"
#include "responder/inventory/host_range.h"
#include "responder/inventory/python_literal.h"
#include "responder/inventory/shell_words.h"
#include "responder/message_text.h"

namespace responder::inventory {
namespace {

// Python's \w, byte by byte: bytes of non-ASCII characters count as letters.
bool word_byte(char c) {
  auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || std::isalnum(u) || c == '_';
}
bool blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

struct Section {
  std::string group;
  std::string kind;  // "", "vars", "children", or another word (an error)
};

// `[name]` or `[name:kind]`, optionally followed by blanks and a comment.
std::optional<Section> parse_section(std::string_view line) {
  if (line.empty() || line[0] != '[') return std::nullopt;
  std::size_t i = 1;
  while (i < line.size() && line[i] != ':' && line[i] != ']' && !blank(line[i])) ++i;
  if (i == 1) return std::nullopt;
  Section s{std::string(line.substr(1, i - 1)), ""};
  if (i < line.size() && line[i] == ':') {
    std::size_t start = ++i;
    while (i < line.size() && word_byte(line[i])) ++i;
    if (i == start) return std::nullopt;
    s.kind = std::string(line.substr(start, i - start));
  }
  if (i >= line.size() || line[i] != ']') return std::nullopt;
  ++i;
  while (i < line.size() && blank(line[i])) ++i;
  if (i < line.size() && line[i] != '#') return std::nullopt;
  return s;
}

// A group name alone on a line, optionally followed by a comment.
std::optional<std::string> parse_group_name(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && line[i] != ':' && line[i] != ']' && !blank(line[i])) ++i;
  if (i == 0) return std::nullopt;
  std::size_t j = i;
  while (j < line.size() && blank(line[j])) ++j;
  if (j < line.size() && line[j] != '#') return std::nullopt;
  return std::string(line.substr(0, i));
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

struct Pending {
  int line = 0;
  std::string state;  // "vars" or "children"
  std::vector<std::string> parents;
};

class IniLoader {
 public:
  IniLoader(const std::string& file, Inventory& inventory, std::vector<Diagnostic>& diagnostics)
      : file_(file), inventory_(inventory), diagnostics_(diagnostics) {}

  Status load(std::string_view text) {
    std::string group = "ungrouped";
    std::string state = "hosts";
    std::size_t pos = 0;
    while (pos <= text.size()) {
      std::size_t end = text.find_first_of("\r\n", pos);
      std::string_view raw = text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
      if (end == std::string_view::npos) pos = text.size() + 1;
      else pos = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
      ++line_;
      std::string_view line = strip(raw);
      indent_ = static_cast<int>(line.empty() ? 0 : line.data() - raw.data());
      if (line.empty() || line[0] == '#' || line[0] == ';') continue;

      if (auto section = parse_section(line)) {
        group = section->group;
        state = section->kind.empty() ? "hosts" : section->kind;
        if (state != "hosts" && state != "vars" && state != "children")
          return fail(1, "section [" + section->group + ":" + section->kind + "] has an unknown type " +
                             in_quotes(section->kind) + "; it is :vars or :children");
        if (!inventory_.is_group(group)) {
          if (state == "vars" && !pending_.count(group)) remember(group, Pending{line_, state, {}});
          if (auto s = inventory_.add_group(group); !s.ok()) return fail(1, s.error().message);
        }
        if (pending_.count(group) && state != "vars") {
          if (pending_[group].state == "children") {
            if (auto s = add_pending_children(group); !s.ok()) return s;
          } else {
            pending_.erase(group);
          }
        }
        continue;
      }
      if (line.front() == '[' && line.back() == ']')
        return fail(1, "invalid section " + in_quotes(line) +
                           ": a section is [group], [group:vars] or [group:children], with no spaces");

      if (state == "hosts") {
        if (auto s = host_line(line, group); !s.ok()) return s;
      } else if (state == "vars") {
        std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) return fail(1, "expected key=value in [" + group + ":vars], found " + in_quotes(line));
        std::string key(strip(line.substr(0, eq)));
        if (auto s = inventory_.set_variable(group, key, python_literal(strip(line.substr(eq + 1)))); !s.ok())
          return fail(1, s.error().message);
      } else {
        auto child = parse_group_name(line);
        if (!child) return fail(1, "expected a group name in [" + group + ":children], found " + in_quotes(line));
        if (!inventory_.is_group(*child)) {
          if (!pending_.count(*child)) remember(*child, Pending{line_, "children", {group}});
          else pending_[*child].parents.push_back(group);
        } else if (auto s = inventory_.add_child(group, *child, here()); !s.ok()) {
          return fail(1, s.error().message);
        }
      }
    }
    for (auto& name : pending_order_) {
      auto it = pending_.find(name);
      if (it == pending_.end()) continue;
      line_ = it->second.line;
      indent_ = 0;
      if (it->second.state == "vars")
        return fail(1, "section [" + name + ":vars] is for a group that is never defined: " + in_quotes(name) +
                           " (define it with [" + name + "], or as a child in a [GROUP:children] section)");
      return fail(1, "section [" + it->second.parents.back() + ":children] names " + in_quotes(name) +
                         ", a group that is never defined (define it with [" + name + "])");
    }
    return {};
  }

 private:
  void remember(const std::string& group, Pending p) {
    pending_order_.push_back(group);
    pending_[group] = std::move(p);
  }

  // Ansible's _add_pending_children, its recursion made a loop.
  Status add_pending_children(const std::string& group) {
    struct Frame {
      std::string group;
      std::size_t next = 0;
    };
    std::vector<Frame> stack{{group, 0}};
    while (!stack.empty()) {
      std::size_t top = stack.size() - 1;
      auto it = pending_.find(stack[top].group);
      if (it == pending_.end()) {
        stack.pop_back();
        continue;
      }
      if (stack[top].next < it->second.parents.size()) {
        std::string parent = it->second.parents[stack[top].next++];
        if (auto s = inventory_.add_child(parent, stack[top].group, here()); !s.ok()) return fail(1, s.error().message);
        auto p = pending_.find(parent);
        bool on_stack = false;
        for (auto& f : stack) on_stack = on_stack || f.group == parent;
        if (p != pending_.end() && p->second.state == "children" && !on_stack) stack.push_back({parent, 0});
      } else {
        pending_.erase(it);
        stack.pop_back();
      }
    }
    return {};
  }

  Status host_line(std::string_view line, const std::string& group) {
    auto words = split_shell_words(line, true);
    if (!words) return fail(1, "cannot read this host line: " + words.error().message);
    if (words->empty()) return {};
    const std::string& entry = (*words)[0].text;
    int entry_column = static_cast<int>((*words)[0].offset) + 1;
    std::string pattern = entry;
    std::optional<unsigned long long> port;
    if (auto address = parse_host_address(entry)) {
      pattern = address->host;
      port = address->port;
    }
    if (!strip(entry).empty() && strip(entry).back() == ':' && !port)
      return fail(entry_column, "invalid host " + in_quotes(entry) + ": a trailing `:` must be followed by a port");
    auto names = expand_host_range(pattern, inventory_.host_budget());
    if (!names) return fail(entry_column, names.error().message);
    for (auto& n : *names)
      if (strip(n) == "---")
        return fail(entry_column, "invalid host `---`: is this a YAML file? (name it .yaml or .yml)");
    std::vector<std::pair<std::string, json::value>> variables;
    for (std::size_t i = 1; i < words->size(); ++i) {
      const ShellWord& w = (*words)[i];
      std::size_t eq = w.text.find('=');
      if (eq == std::string::npos)
        return fail(static_cast<int>(w.offset) + 1, "expected key=value after the host, found " + in_quotes(w.text));
      variables.emplace_back(w.text.substr(0, eq), python_literal(std::string_view(w.text).substr(eq + 1)));
    }
    for (auto& name : *names) {
      bool is_new = inventory_.find_host(name) == nullptr;
      if (auto s = inventory_.add_host(name, group); !s.ok()) return fail(entry_column, s.error().message);
      // Ansible sets the port when it first meets the host, and only a
      // non-zero one.
      if (is_new && port && *port != 0) {
        json::value p = *port <= static_cast<unsigned long long>(INT64_MAX) ? json::value(static_cast<std::int64_t>(*port))
                                                                            : json::value(*port);
        (void)inventory_.set_variable(name, "ansible_port", std::move(p));
      }
      for (auto& [k, v] : variables)
        if (auto s = inventory_.set_variable(name, k, v); !s.ok()) return fail(entry_column, s.error().message);
    }
    return {};
  }

  Diagnostic here() const { return {file_, line_, indent_ + 1, ""}; }

  Status fail(int column, const std::string& message) {
    diagnostics_.push_back({file_, line_, indent_ + column, message});
    return bad_input(diagnostics_.back().format());
  }

  const std::string& file_;
  Inventory& inventory_;
  std::vector<Diagnostic>& diagnostics_;
  std::map<std::string, Pending> pending_;
  std::vector<std::string> pending_order_;
  int line_ = 0;
  int indent_ = 0;
};

}  // namespace

Status load_ini_inventory(std::string_view text, const std::string& file, Inventory& inventory,
                          std::vector<Diagnostic>& diagnostics) {
  return IniLoader(file, inventory, diagnostics).load(text);
}

}  // namespace responder::inventory
