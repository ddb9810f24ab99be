#include "containment/firewall/firewall_receipt.h"

namespace responder::firewall {
namespace {

json::array objects_json(const std::vector<OwnObject>& objects) {
  json::array out;
  for (auto& o : objects) out.push_back(json::object{{"name", o.name}, {"commands", o.commands}});
  return out;
}

std::vector<OwnObject> objects_from(const json::value* v) {
  std::vector<OwnObject> out;
  if (!v || !v->is_array()) return out;
  for (auto& o : v->get_array())
    out.push_back({std::string(o.at("name").as_string()), o.at("commands").as_array()});
  return out;
}

std::optional<std::int64_t> optional_int(const json::object& o, const char* key) {
  if (auto* v = o.if_contains(key); v && (v->is_int64() || v->is_uint64())) return v->to_number<std::int64_t>();
  return std::nullopt;
}

}  // namespace

std::size_t FirewallReceipt::element_count() const {
  std::size_t n = 0;
  for (auto& b : batches) n += b.keys.size();
  return n;
}

json::object FirewallReceipt::to_json() const {
  json::object o;
  o["table"] = "inet responder";
  o["module"] = module;
  json::array batches_json;
  for (auto& b : batches)
    batches_json.push_back(json::object{{"set", b.set}, {"own_set", b.own_set}, {"timed", b.timed}, {"elements", b.keys}});
  o["batches"] = std::move(batches_json);
  o["own_sets"] = objects_json(own_sets);
  o["own_chains"] = objects_json(own_chains);
  if (timeout_s) o["timeout_s"] = *timeout_s;
  if (expires_at_ms) o["expires_at_ms"] = *expires_at_ms;
  if (confirm_by_ms) o["confirm_by_ms"] = *confirm_by_ms;
  return o;
}

Result<FirewallReceipt> FirewallReceipt::from_json(const json::object& undo) {
  try {
    FirewallReceipt r;
    if (auto* m = undo.if_contains("module")) r.module = std::string(m->as_string());
    if (auto* batches = undo.if_contains("batches"))
      for (auto& b : batches->as_array()) {
        auto& o = b.as_object();
        r.batches.push_back({std::string(o.at("set").as_string()), o.at("elements").as_array(), o.at("own_set").as_bool(),
                             o.at("timed").as_bool()});
      }
    r.own_sets = objects_from(undo.if_contains("own_sets"));
    r.own_chains = objects_from(undo.if_contains("own_chains"));
    r.timeout_s = optional_int(undo, "timeout_s");
    r.expires_at_ms = optional_int(undo, "expires_at_ms");
    r.confirm_by_ms = optional_int(undo, "confirm_by_ms");
    return r;
  } catch (const std::exception& e) {
    return failure(std::string("the firewall receipt is damaged: ") + e.what());
  }
}

}  // namespace responder::firewall
