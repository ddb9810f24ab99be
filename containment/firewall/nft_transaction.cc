#include "containment/firewall/nft_transaction.h"

namespace responder::firewall {
namespace {

json::object own(json::object o) {
  o["family"] = nft_layout::kFamily;
  o["table"] = nft_layout::kTable;
  return o;
}

json::value table_object() {
  return json::object{{"table", json::object{{"family", nft_layout::kFamily}, {"name", nft_layout::kTable}}}};
}

}  // namespace

json::value timed_element(const json::value& key, std::optional<std::int64_t> timeout_s) {
  if (!timeout_s) return key;
  return json::object{{"elem", json::object{{"val", key}, {"timeout", *timeout_s}}}};
}

json::value set_command(const nft_layout::SetDecl& set) {
  json::object o = own({{"name", set.name}, {"type", set.type}});
  json::array flags;
  if (set.interval) flags.emplace_back("interval");
  if (set.timeout) flags.emplace_back("timeout");
  // No "dynamic" flag: libnftables 1.0.6 JSON does not accept it, and nft
  // sets it by itself on a set that an `update @set` statement fills.
  if (!flags.empty()) o["flags"] = std::move(flags);
  if (set.size) o["size"] = *set.size;
  if (set.default_timeout_s) o["timeout"] = *set.default_timeout_s;
  return json::object{{"add", json::object{{"set", std::move(o)}}}};
}

json::array chain_commands(const nft_layout::ChainDecl& chain) {
  json::array out;
  out.push_back(json::object{{"add", json::object{{"chain", own({{"name", chain.name},
                                                                 {"type", "filter"},
                                                                 {"hook", chain.hook},
                                                                 {"prio", chain.priority},
                                                                 {"policy", "accept"}})}}}});
  for (auto& expr : chain.rules)
    out.push_back(json::object{{"add", json::object{{"rule", own({{"chain", chain.name}, {"expr", expr}})}}}});
  return out;
}

void NftTransaction::add_table() { commands_.push_back(json::object{{"add", table_object()}}); }
void NftTransaction::delete_table() { commands_.push_back(json::object{{"delete", table_object()}}); }
void NftTransaction::add_set(const nft_layout::SetDecl& set) { commands_.push_back(set_command(set)); }

void NftTransaction::delete_set(const std::string& name) {
  commands_.push_back(json::object{{"delete", json::object{{"set", own({{"name", name}})}}}});
}

void NftTransaction::add_chain(const nft_layout::ChainDecl& chain) {
  for (auto& c : chain_commands(chain)) commands_.push_back(c);
}

void NftTransaction::delete_chain(const std::string& name) {
  commands_.push_back(json::object{{"flush", json::object{{"chain", own({{"name", name}})}}}});
  commands_.push_back(json::object{{"delete", json::object{{"chain", own({{"name", name}})}}}});
}

void NftTransaction::element_command(const char* verb, const std::string& set, json::array elements) {
  if (elements.empty()) return;
  commands_.push_back(json::object{{verb, json::object{{"element", own({{"name", set}, {"elem", std::move(elements)}})}}}});
}

void NftTransaction::create_elements(const std::string& set, json::array elements) {
  element_command("create", set, std::move(elements));
}
void NftTransaction::add_elements(const std::string& set, json::array elements) {
  element_command("add", set, std::move(elements));
}
void NftTransaction::delete_elements(const std::string& set, json::array elements) {
  element_command("delete", set, std::move(elements));
}
void NftTransaction::append(json::value command) { commands_.push_back(std::move(command)); }

json::value NftTransaction::document() const {
  json::array all;
  all.reserve(commands_.size() + 1);
  all.push_back(json::object{{"metainfo", json::object{{"json_schema_version", 1}}}});
  for (auto& c : commands_) all.push_back(c);
  return json::object{{"nftables", std::move(all)}};
}

}  // namespace responder::firewall
