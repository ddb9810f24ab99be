#include "forensics/evidence/evidence_item.h"

namespace responder::evidence {

json::object EvidenceItem::to_json() const {
  json::object o;
  o["id"] = id;
  o["name"] = name;
  o["path"] = path;
  o["size"] = size;
  o["sha256"] = sha256;
  o["chunk_size"] = chunk_size;
  json::array c;
  for (auto& h : chunks) c.emplace_back(h);
  o["chunks"] = std::move(c);
  o["source"] = source;
  o["method"] = method;
  o["metadata"] = metadata;
  o["acquired_from"] = acquired_from;
  o["acquired_to"] = acquired_to;
  o["collector"] = collector;
  o["actor"] = actor;
  o["step"] = step;
  o["write_once"] = write_once;
  return o;
}

Result<EvidenceItem> EvidenceItem::from_json(const json::value& value) {
  if (!value.is_object()) return failure("an item record is not a JSON object");
  auto& o = value.get_object();
  EvidenceItem item;
  auto text = [&](const char* key, std::string& out) {
    if (auto* v = o.if_contains(key); v && v->is_string()) out = std::string(v->get_string());
  };
  auto number = [&](const char* key, std::uint64_t& out) -> bool {
    auto* v = o.if_contains(key);
    if (!v) return false;
    if (v->is_uint64()) out = v->get_uint64();
    else if (v->is_int64() && v->get_int64() >= 0) out = static_cast<std::uint64_t>(v->get_int64());
    else return false;
    return true;
  };
  if (!number("id", item.id)) return failure("an item record has no valid id");
  if (!number("size", item.size)) return failure("item " + std::to_string(item.id) + " has no valid size");
  number("chunk_size", item.chunk_size);
  if (item.chunk_size == 0) return failure("item " + std::to_string(item.id) + " has chunk_size 0");
  text("name", item.name);
  text("path", item.path);
  text("sha256", item.sha256);
  text("source", item.source);
  text("method", item.method);
  text("acquired_from", item.acquired_from);
  text("acquired_to", item.acquired_to);
  text("collector", item.collector);
  text("actor", item.actor);
  text("step", item.step);
  text("write_once", item.write_once);
  if (auto* m = o.if_contains("metadata"); m && m->is_object()) item.metadata = m->get_object();
  if (auto* c = o.if_contains("chunks"); c && c->is_array())
    for (auto& h : c->get_array())
      if (h.is_string()) item.chunks.emplace_back(h.get_string());
  if (item.path.empty() || item.sha256.size() != 64)
    return failure("item " + std::to_string(item.id) + " has no path or no SHA-256");
  return item;
}

}  // namespace responder::evidence
