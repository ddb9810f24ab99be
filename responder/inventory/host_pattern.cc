#include "responder/inventory/host_pattern.h"

#include <cctype>
#include <charconv>
#include <optional>
#include <regex>
#include <set>

#include "responder/diagnostic.h"
#include "responder/inventory/host_address.h"
#include "responder/message_text.h"

namespace responder::inventory {
namespace {

constexpr std::size_t kMaxPattern = 4096;
constexpr std::size_t kMaxRegex = 512;

bool blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

std::string strip(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// fnmatch: `*`, `?`, `[seq]`, `[!seq]`; a `[` without its `]` is literal.
// Iterative with one backtrack point per star: linear-ish, never recursive.
bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star_p = std::string_view::npos, star_t = 0;
  auto one = [&](std::size_t& pp, char c) -> std::optional<bool> {
    // Matches pattern[pp] (one unit) against c; advances pp. nullopt: no unit.
    char x = pattern[pp];
    if (x == '?') {
      ++pp;
      return true;
    }
    if (x == '[') {
      std::size_t j = pp + 1;
      if (j < pattern.size() && pattern[j] == '!') ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      std::size_t close = pattern.find(']', j);
      if (close != std::string_view::npos) {
        std::size_t k = pp + 1;
        bool negate = pattern[k] == '!';
        if (negate) ++k;
        bool found = false;
        for (; k < close; ++k) {
          if (k + 2 < close && pattern[k + 1] == '-') {
            found = found || (c >= pattern[k] && c <= pattern[k + 2]);
            k += 2;
          } else {
            found = found || c == pattern[k];
          }
        }
        pp = close + 1;
        return found != negate;
      }
    }
    ++pp;
    return x == c;
  };
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_t = t;
      continue;
    }
    std::size_t next = p;
    if (p < pattern.size() && *one(next, text[t])) {
      p = next;
      ++t;
      continue;
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

struct Matcher {
  bool is_regex = false;
  std::string text;
  std::regex regex;

  bool matches(const std::string& name) const {
    if (!is_regex) return glob_match(text, name);
    return std::regex_search(name, regex, std::regex_constants::match_continuous);
  }
};

Result<Matcher> matcher_for(const std::string& expr, std::string_view pattern) {
  Matcher m;
  m.text = expr;
  if (!expr.empty() && expr[0] == '~') {
    m.is_regex = true;
    if (expr.size() - 1 > kMaxRegex)
      return bad_input("host pattern " + in_quotes(pattern) + ": a ~regex longer than " + std::to_string(kMaxRegex) + " bytes");
    try {
      m.regex = std::regex(expr.substr(1), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return bad_input("host pattern " + in_quotes(pattern) + ": " + in_quotes(expr) + " is not a valid regular expression (" + e.what() + ")");
    }
  }
  return m;
}

struct Subscript {
  long long start = 0;
  std::optional<long long> end;  // nullopt: a single index
};

// Ansible's PATTERN_WITH_SUBSCRIPT: EXPR[N], EXPR[-N], EXPR[N:M], EXPR[N:], EXPR[N-M].
std::pair<std::string, std::optional<Subscript>> split_subscript(const std::string& term) {
  if (term.empty() || term[0] == '~' || term.back() != ']') return {term, std::nullopt};
  std::size_t open = term.rfind('[');
  if (open == std::string::npos || open == 0) return {term, std::nullopt};
  std::string inside = term.substr(open + 1, term.size() - open - 2);
  auto digits = [](std::string_view s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  auto number = [](std::string_view s) -> std::optional<long long> {
    long long n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return n;
  };
  Subscript sub;
  if (digits(inside) || (inside.size() > 1 && inside[0] == '-' && digits(std::string_view(inside).substr(1)))) {
    auto n = number(inside);
    if (!n) return {term, std::nullopt};
    sub.start = *n;
    return {term.substr(0, open), sub};
  }
  std::size_t sep = inside.find_first_of(":-");
  if (sep == std::string::npos || !digits(std::string_view(inside).substr(0, sep))) return {term, std::nullopt};
  std::string_view rest = std::string_view(inside).substr(sep + 1);
  if (!rest.empty() && !digits(rest)) return {term, std::nullopt};
  auto start = number(std::string_view(inside).substr(0, sep));
  auto end = rest.empty() ? std::optional<long long>(-1) : number(rest);
  if (!start || !end) return {term, std::nullopt};
  sub.start = *start;
  sub.end = *end;
  return {term.substr(0, open), sub};
}

// Links and hosts a subscripted term may walk: far beyond any real
// inventory, well short of what a hostile one could make it cost.
constexpr std::size_t kSubscriptBudget = 20'000'000;

bool has_glob(const std::string& expr) {
  return !expr.empty() && (expr[0] == '~' || expr.find_first_of(".?*[") != std::string::npos);
}

void add_unique(std::vector<const Host*>& out, std::set<const Host*>& seen, const Host* h) {
  if (seen.insert(h).second) out.push_back(h);
}

std::vector<std::string> all_names(const Inventory& inventory) {
  std::vector<std::string> names;
  for (auto& g : inventory.groups()) names.push_back(g.name);
  for (auto& h : inventory.hosts()) names.push_back(h.name);
  return names;
}

// One term (without & or !): Ansible's _match_one_pattern.
Result<std::vector<const Host*>> match_term(const Inventory& inventory, const std::string& term, std::string_view pattern) {
  std::vector<const Host*> out;
  std::set<const Host*> seen;
  if (const Host* h = inventory.find_host(term)) {
    out.push_back(h);
    return out;
  }
  auto [expr, subscript] = split_subscript(term);
  auto matcher = matcher_for(expr, pattern);
  if (!matcher) return matcher.error();
  std::vector<const Group*> groups;
  for (auto& g : inventory.groups())
    if (matcher->matches(g.name)) groups.push_back(&g);
  bool any_group = !groups.empty();
  // Ansible applies a subscript to the groups' lists one after another and
  // then the matching hosts, repeats included, and only then drops repeats:
  // positions count in that list, or `web*[1]` would pick another host.
  std::vector<const Host*> listed;
  if (subscript) {
    auto each = inventory.hosts_of_each(groups, kSubscriptBudget);
    if (!each) return bad_input("host pattern " + in_quotes(pattern) + ": " + each.error().message);
    listed = std::move(*each);
  } else {
    listed = inventory.hosts_of(groups);
  }
  if (!any_group || has_glob(expr))
    for (auto& h : inventory.hosts())
      if (matcher->matches(h.name)) listed.push_back(&h);
  if (!subscript)
    for (const Host* h : listed) add_unique(out, seen, h);
  else
    out = std::move(listed);
  if (out.empty() && is_localhost_name(expr)) out.push_back(&inventory.implicit_localhost());
  // A group with no hosts is no typo: it adds nothing (a pattern that ends
  // up selecting nothing is refused as a whole).
  if (out.empty() && any_group) return out;
  if (out.empty() && !has_glob(expr)) {
    std::string hint = closest_match(expr, all_names(inventory));
    return bad_input("host pattern " + in_quotes(pattern) + ": " + in_quotes(expr) +
                     " is neither a host nor a group of the inventory" +
                     (hint.empty() ? "" : " (did you mean " + in_quotes(hint) + "?)"));
  }
  if (!subscript || out.empty()) return out;
  auto size = static_cast<long long>(out.size());
  std::vector<const Host*> picked;
  if (subscript->end && *subscript->end != 0) {
    long long end = *subscript->end == -1 ? size - 1 : *subscript->end;
    long long from = std::min(subscript->start, size), to = end >= size - 1 ? size : end + 1;
    if (to <= from) return std::vector<const Host*>{};
    picked.assign(out.begin() + from, out.begin() + to);
  } else {
    long long index = subscript->start < 0 ? size + subscript->start : subscript->start;
    if (index < 0 || index >= size)
      return bad_input("host pattern " + in_quotes(pattern) + ": " + in_quotes(term) + " is out of range: " +
                       in_quotes(expr) + " has " + std::to_string(size) + " host" + (size == 1 ? "" : "s") +
                       " (a host in two of its groups counts twice, as Ansible counts it)");
    picked.push_back(out[static_cast<std::size_t>(index)]);
  }
  std::vector<const Host*> unique;
  std::set<const Host*> kept;
  for (const Host* h : picked) add_unique(unique, kept, h);
  return unique;
}

}  // namespace

std::vector<std::string> split_host_pattern(std::string_view pattern) {
  std::vector<std::string> parts;
  if (pattern.find(',') != std::string_view::npos) {
    std::size_t start = 0;
    while (true) {
      std::size_t comma = pattern.find(',', start);
      parts.push_back(strip(pattern.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else if (parse_host_address(pattern)) {
    parts.push_back(strip(pattern));
  } else {
    // Runs of characters other than blanks and `:[]`, or whole `[...]`.
    std::string current;
    for (std::size_t i = 0; i < pattern.size();) {
      char c = pattern[i];
      if (c == '[') {
        std::size_t close = pattern.find(']', i + 1);
        if (close != std::string_view::npos) {
          current.append(pattern.substr(i, close - i + 1));
          i = close + 1;
          continue;
        }
      }
      if (blank(c) || c == ':' || c == '[' || c == ']') {
        if (!current.empty()) parts.push_back(std::move(current));
        current.clear();
      } else {
        current += c;
      }
      ++i;
    }
    if (!current.empty()) parts.push_back(std::move(current));
  }
  std::vector<std::string> out;
  for (auto& p : parts)
    if (!p.empty()) out.push_back(std::move(p));
  return out;
}

Status check_pattern(std::string_view pattern) {
  if (pattern.size() > kMaxPattern)
    return bad_input("a host pattern longer than " + std::to_string(kMaxPattern) + " bytes");
  auto terms = split_host_pattern(pattern);
  if (terms.empty()) return bad_input("host pattern " + in_quotes(pattern) + " is empty");
  for (auto& term : terms) {
    std::string body = (term[0] == '&' || term[0] == '!') ? term.substr(1) : term;
    if (body.empty() || body[0] == '&' || body[0] == '!')
      return bad_input("host pattern " + in_quotes(pattern) + ": " + in_quotes(term) + " names no host or group after " +
                       std::string(1, term[0]));
    auto [expr, subscript] = split_subscript(body);
    if (auto m = matcher_for(expr, pattern); !m) return m.error();
  }
  return {};
}

Result<std::vector<const Host*>> select_hosts(const Inventory& inventory, std::string_view pattern) {
  if (auto s = check_pattern(pattern); !s.ok()) return s.error();
  std::vector<std::string> regular, intersections, exclusions;
  for (auto& term : split_host_pattern(pattern)) {
    if (term[0] == '!') exclusions.push_back(term.substr(1));
    else if (term[0] == '&') intersections.push_back(term.substr(1));
    else regular.push_back(term);
  }
  if (regular.empty()) regular.push_back("all");
  std::vector<const Host*> hosts;
  std::set<const Host*> seen;
  for (auto& term : regular) {
    auto matched = match_term(inventory, term, pattern);
    if (!matched) return matched.error();
    for (const Host* h : *matched) add_unique(hosts, seen, h);
  }
  for (auto& term : intersections) {
    auto matched = match_term(inventory, term, pattern);
    if (!matched) return matched.error();
    std::set<const Host*> keep(matched->begin(), matched->end());
    std::erase_if(hosts, [&](const Host* h) { return !keep.count(h); });
  }
  for (auto& term : exclusions) {
    auto matched = match_term(inventory, term, pattern);
    if (!matched) return matched.error();
    std::set<const Host*> drop(matched->begin(), matched->end());
    std::erase_if(hosts, [&](const Host* h) { return drop.count(h) > 0; });
  }
  if (hosts.empty()) {
    std::string groups;
    std::size_t shown = 0;
    for (auto& g : inventory.groups()) {
      if (g.name == "all" || g.name == "ungrouped" || shown == 8) continue;
      groups += (shown++ ? ", " : "") + g.name;
    }
    return bad_input("host pattern " + in_quotes(pattern) + " selects no host (the inventory has " +
                     std::to_string(inventory.hosts().size()) + " host" + (inventory.hosts().size() == 1 ? "" : "s") +
                     (groups.empty() ? "" : "; groups: " + groups + (inventory.groups().size() - 2 > shown ? ", ..." : "")) + ")");
  }
  return hosts;
}

}  // namespace responder::inventory
