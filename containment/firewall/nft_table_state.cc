#include "containment/firewall/nft_table_state.h"

#include <netinet/in.h>

#include "containment/firewall/firewall_address_range.h"
#include "containment/firewall/nft_layout.h"

namespace responder::firewall {
namespace {

bool ours(const json::object& o) {
  auto* family = o.if_contains("family");
  auto* table = o.if_contains("table");
  return family && table && family->is_string() && table->is_string() && family->get_string() == nft_layout::kFamily &&
         table->get_string() == nft_layout::kTable;
}

std::string port_key(std::int64_t lo, std::int64_t hi) {
  return lo == hi ? std::to_string(lo) : std::to_string(lo) + "-" + std::to_string(hi);
}

// Elements of one listed set into `keys`; false when one came twice.
Result<bool> add_elements(const json::object& set, std::set<std::string>& keys) {
  bool whole = true;
  if (auto* elems = set.if_contains("elem"); elems && elems->is_array())
    for (auto& e : elems->get_array()) {
      auto key = element_key(e);
      if (!key) return key.error();
      if (!keys.insert(std::move(*key)).second) whole = false;
    }
  return whole;
}

// Listings torn by a resize are rare (the resize follows a large change and
// takes milliseconds), so a few attempts in a row all torn mean something
// else is wrong: say so instead of concluding anything from them.
constexpr int kListingAttempts = 5;

Error torn_error(const std::set<std::string>& torn) {
  std::string names;
  for (auto& n : torn) names += (names.empty() ? "" : ", ") + n;
  return failure("the kernel listed set(s) " + names + " of table inet responder inconsistently " +
                 std::to_string(kListingAttempts) +
                 " times in a row (elements sent twice, others not at all: the set was being resized or changed "
                 "during every listing); nothing was concluded from them, try again");
}

Result<NftTableState> read(NftSession& session, bool with_elements) {
  std::set<std::string> torn;
  for (int attempt = 0; attempt < kListingAttempts; ++attempt) {
    auto listed = with_elements ? session.list_own_table() : session.list_ruleset_terse();
    if (!listed) return listed.error();
    auto parsed = table_from_listing(*listed, with_elements);
    if (!parsed) return parsed.error();
    if (parsed->torn.empty()) return std::move(parsed->state);
    torn = std::move(parsed->torn);
  }
  return torn_error(torn);
}

}  // namespace

Result<TableListing> table_from_listing(const json::array& listing, bool with_elements) {
  TableListing out;
  NftTableState& state = out.state;
  state.elements_read = with_elements;
  for (auto& item : listing) {
    if (!item.is_object()) continue;
    auto& o = item.get_object();
    if (auto* t = o.if_contains("table")) {
      auto& table = t->as_object();
      if (table.at("family").as_string() == nft_layout::kFamily && table.at("name").as_string() == nft_layout::kTable)
        state.present = true;
    } else if (auto* s = o.if_contains("set")) {
      auto& set = s->as_object();
      if (!ours(set)) continue;
      std::string name(set.at("name").as_string());
      state.sets.insert(name);
      auto whole = add_elements(set, state.elements[name]);
      if (!whole) return whole.error();
      if (!*whole) out.torn.insert(name);
    } else if (auto* c = o.if_contains("chain")) {
      auto& chain = c->as_object();
      if (ours(chain)) state.chain_rules.try_emplace(std::string(chain.at("name").as_string()), 0);
    } else if (auto* r = o.if_contains("rule")) {
      auto& rule = r->as_object();
      if (ours(rule)) ++state.chain_rules[std::string(rule.at("chain").as_string())];
    }
  }
  return out;
}

const std::set<std::string>& NftTableState::keys(const std::string& set) const {
  static const std::set<std::string> none;
  auto it = elements.find(set);
  return it == elements.end() ? none : it->second;
}

Result<NftTableState> read_table_shape(NftSession& session) { return read(session, false); }
Result<NftTableState> read_table(NftSession& session) { return read(session, true); }

Result<std::map<std::string, std::set<std::string>>> read_set_keys(NftSession& session,
                                                                  const std::set<std::string>& sets) {
  std::map<std::string, std::set<std::string>> out;
  for (auto& name : sets) {
    bool whole = false;
    for (int attempt = 0; attempt < kListingAttempts && !whole; ++attempt) {
      auto listed = session.list_own_set(name);
      if (!listed) return listed.error();
      auto& keys = out[name];
      keys.clear();
      whole = true;
      for (auto& item : *listed) {
        auto* s = item.is_object() ? item.get_object().if_contains("set") : nullptr;
        if (!s) continue;
        auto w = add_elements(s->as_object(), keys);
        if (!w) return w.error();
        whole = whole && *w;
      }
    }
    if (!whole) return torn_error({name});
  }
  return out;
}

Result<std::string> element_key(const json::value& element) {
  if (element.is_int64() || element.is_uint64()) {
    auto p = element.to_number<std::int64_t>();
    return port_key(p, p);
  }
  if (element.is_string()) {
    auto text = element.get_string();
    if (auto ip = parse_ip(text)) return ip->to_string();
    // nftables lists a protocol by name where /etc/protocols names it and by
    // number where it does not (minimal systems and containers lack netbase),
    // so protocols compare by number.
    if (text == "tcp") return port_key(IPPROTO_TCP, IPPROTO_TCP);
    if (text == "udp") return port_key(IPPROTO_UDP, IPPROTO_UDP);
    return std::string(text);  // an nf_proto name
  }
  if (!element.is_object()) return failure("unexpected set element " + to_json_text(element));
  auto& o = element.get_object();
  if (auto* e = o.if_contains("elem")) return element_key(e->as_object().at("val"));
  if (auto* c = o.if_contains("concat")) {
    std::string key;
    for (auto& part : c->as_array()) {
      auto k = element_key(part);
      if (!k) return k;
      if (!key.empty()) key += " . ";
      key += *k;
    }
    return key;
  }
  if (auto* r = o.if_contains("range"); r && r->as_array().size() == 2 && !r->as_array()[0].is_string())
    return port_key(r->as_array()[0].to_number<std::int64_t>(), r->as_array()[1].to_number<std::int64_t>());
  auto range = range_from_nft(element);
  if (!range) return range.error();
  return canonical(*range);
}

}  // namespace responder::firewall
