#include "containment/firewall/firewall_address_range.h"

namespace responder::firewall {

json::value nft_value(const AddressRange& range) {
  if (range.single()) return json::value(range.first.to_string());
  auto prefixes = prefixes_of(range);
  if (prefixes.size() == 1)
    return json::object{{"prefix", json::object{{"addr", prefixes[0].network.to_string()}, {"len", prefixes[0].prefix}}}};
  return json::object{{"range", json::array{json::value(range.first.to_string()), json::value(range.last.to_string())}}};
}

std::string canonical(const AddressRange& range) {
  return range.single() ? range.first.to_string() : range.first.to_string() + "-" + range.last.to_string();
}

std::string readable(const AddressRange& range) {
  auto prefixes = prefixes_of(range);
  return prefixes.size() == 1 ? prefixes[0].to_string() : canonical(range);
}

Result<AddressRange> range_from_nft(const json::value& value) {
  if (value.is_string()) {
    auto ip = parse_ip(value.get_string());
    if (!ip) return ip.error();
    return range_of(*ip);
  }
  if (value.is_object()) {
    auto& o = value.get_object();
    if (auto* p = o.if_contains("prefix")) {
      auto ip = parse_ip(p->at("addr").as_string());
      if (!ip) return ip.error();
      Cidr cidr{*ip, static_cast<int>(p->at("len").to_number<std::int64_t>())};
      return range_of(cidr);
    }
    if (auto* r = o.if_contains("range")) {
      auto first = parse_ip(r->at(0).as_string());
      auto last = parse_ip(r->at(1).as_string());
      if (!first) return first.error();
      if (!last) return last.error();
      return AddressRange{*first, *last};
    }
  }
  return failure("unexpected address element in the ruleset: " + to_json_text(value));
}

}  // namespace responder::firewall
