// Builders for the pieces of nftables JSON rules (libnftables-json(5)), so
// that rules are assembled from typed parts rather than from text.
#pragma once

#include <string>
#include <string_view>

#include "responder/json.h"

namespace responder::firewall::nft_expression {

// {"payload": {"protocol": "ip", "field": "saddr"}}
inline json::value payload(std::string_view protocol, std::string_view field) {
  return json::object{{"payload", json::object{{"protocol", protocol}, {"field", field}}}};
}
// {"meta": {"key": "l4proto"}}
inline json::value meta(std::string_view key) { return json::object{{"meta", json::object{{"key", key}}}}; }
// {"ct": {"key": "state"}}
inline json::value ct(std::string_view key) { return json::object{{"ct", json::object{{"key", key}}}}; }
// {"concat": [parts...]}
inline json::value concat(json::array parts) { return json::object{{"concat", std::move(parts)}}; }
// "@name": a reference to a named set of the same table.
inline json::value set_ref(std::string_view name) { return json::value("@" + std::string(name)); }
// {"match": {"op": op, "left": left, "right": right}}
inline json::value match(json::value left, json::value right, std::string_view op = "==") {
  return json::object{{"match", json::object{{"op", op}, {"left", std::move(left)}, {"right", std::move(right)}}}};
}
// {"drop": null}, {"accept": null}, {"return": null}
inline json::value verdict(std::string_view name) { return json::object{{name, nullptr}}; }
// {"range": [a, b]}
inline json::value range(json::value a, json::value b) {
  return json::object{{"range", json::array{std::move(a), std::move(b)}}};
}
// {"set": [items...]}: an anonymous set.
inline json::value anonymous_set(json::array items) { return json::object{{"set", std::move(items)}}; }

}  // namespace responder::firewall::nft_expression
