#include "forensics/evidence/evidence_manifest.h"

#include <charconv>

#include "forensics/evidence/evidence_digest.h"
#include "responder/durable_file.h"
#include "forensics/evidence/evidence_host.h"
#include "forensics/evidence/evidence_time.h"

namespace responder::evidence {
namespace {

// JSON string escaping as Boost.JSON's serializer does it (the same bytes),
// without a serializer per key and value: the manifest is rendered whole
// each time items are added, so this is on the hot path of collecting.
void quoted(std::string_view text, std::string& out) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += hex[u >> 4];
          out += hex[u & 15];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void scalar(const json::value& value, std::string& out) {
  char digits[24];
  if (value.is_string()) return quoted(value.get_string(), out);
  if (value.is_int64()) {
    auto end = std::to_chars(digits, digits + sizeof digits, value.get_int64()).ptr;
    return out.append(digits, end), void();
  }
  if (value.is_uint64()) {
    auto end = std::to_chars(digits, digits + sizeof digits, value.get_uint64()).ptr;
    return out.append(digits, end), void();
  }
  if (value.is_bool()) return out += value.get_bool() ? "true" : "false", void();
  if (value.is_null()) return out += "null", void();
  out += to_json_text(value);
}

void pretty(const json::value& value, std::string& out, int indent) {
  auto pad = [&](int n) { out.append(static_cast<std::size_t>(n), ' '); };
  if (value.is_object()) {
    auto& o = value.get_object();
    if (o.empty()) { out += "{}"; return; }
    out += "{\n";
    std::size_t i = 0;
    for (auto& [key, v] : o) {
      pad(indent + 2);
      quoted(key, out);
      out += ": ";
      pretty(v, out, indent + 2);
      out += ++i < o.size() ? ",\n" : "\n";
    }
    pad(indent);
    out += "}";
  } else if (value.is_array()) {
    auto& a = value.get_array();
    if (a.empty()) { out += "[]"; return; }
    out += "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      pad(indent + 2);
      pretty(a[i], out, indent + 2);
      out += i + 1 < a.size() ? ",\n" : "\n";
    }
    pad(indent);
    out += "]";
  } else {
    scalar(value, out);
  }
}

}  // namespace

std::string pretty_json(const json::value& value) {
  std::string out;
  pretty(value, out, 0);
  out += "\n";
  return out;
}

json::object EvidenceManifest::to_json() const {
  json::object o;
  o["format"] = "responder-evidence-manifest/1";
  o["bundle"] = bundle;
  json::array list;
  for (auto& item : items) list.emplace_back(item.to_json());
  o["items"] = std::move(list);
  return o;
}

// text() is the pretty rendering of to_json(), built from the pieces below so
// that a manifest kept open in memory (open_manifest.h) can add items by
// rendering only them: the result is the same bytes either way (tested).
std::string manifest_text_head(const json::object& bundle) {
  std::string out = "{\n  \"format\": \"responder-evidence-manifest/1\",\n  \"bundle\": ";
  pretty(bundle, out, 2);
  out += ",\n  \"items\": ";
  return out;
}

std::string manifest_item_text(const EvidenceItem& item) {
  std::string out;
  pretty(item.to_json(), out, 4);
  return out;
}

std::string manifest_text(const std::string& head, const std::vector<std::string>& item_texts) {
  std::size_t size = head.size() + 16;
  for (auto& t : item_texts) size += t.size() + 6;
  std::string out;
  out.reserve(size);
  out += head;
  if (item_texts.empty()) {
    out += "[]\n}\n";
    return out;
  }
  out += "[\n";
  for (std::size_t i = 0; i < item_texts.size(); ++i) {
    out += "    ";
    out += item_texts[i];
    out += i + 1 < item_texts.size() ? ",\n" : "\n";
  }
  out += "  ]\n}\n";
  return out;
}

std::string manifest_sum_line(const EvidenceItem& item) { return item.sha256 + "  " + item.path + "\n"; }

std::string EvidenceManifest::text() const {
  std::vector<std::string> item_texts;
  item_texts.reserve(items.size());
  for (auto& item : items) item_texts.push_back(manifest_item_text(item));
  return manifest_text(manifest_text_head(bundle), item_texts);
}

std::string EvidenceManifest::sums(const std::string* manifest_text) const {
  std::string out;
  for (auto& item : items) out += manifest_sum_line(item);
  if (manifest_text) out += sha256_hex(*manifest_text) + "  manifest.json\n";
  return out;
}

Result<EvidenceManifest> EvidenceManifest::parse(const std::string& text) {
  json::value value;
  try {
    value = parse_json(text);
  } catch (const std::exception& e) {
    return failure(std::string("manifest.json is not valid JSON: ") + e.what());
  }
  if (!value.is_object()) return failure("manifest.json is not a JSON object");
  auto& o = value.get_object();
  EvidenceManifest manifest;
  if (auto* b = o.if_contains("bundle"); b && b->is_object()) manifest.bundle = b->get_object();
  else return failure("manifest.json has no bundle record");
  auto* items = o.if_contains("items");
  if (!items || !items->is_array()) return failure("manifest.json has no item list");
  for (auto& v : items->get_array()) {
    auto item = EvidenceItem::from_json(v);
    if (!item) return failure("manifest.json: " + item.error().message);
    manifest.items.push_back(std::move(*item));
  }
  return manifest;
}

Result<EvidenceManifest> EvidenceManifest::read(const std::filesystem::path& evidence_directory) {
  auto text = read_text_file(evidence_directory / "manifest.json");
  if (!text) return text.error();
  return parse(*text);
}

Result<EvidenceManifest> EvidenceManifest::open_or_create(const std::filesystem::path& evidence_directory,
                                                          const std::string& incident_id) {
  if (std::filesystem::exists(evidence_directory / "manifest.json")) return read(evidence_directory);
  EvidenceManifest manifest;
  manifest.bundle["incident"] = incident_id;
  manifest.bundle["created"] = now_utc_ns();
  manifest.bundle["state"] = "open";
  manifest.bundle["collector"] = kEvidenceCollector;
  manifest.bundle["host"] = host_identity();
  manifest.bundle["clock"] = clock_state();
  return manifest;
}

Status EvidenceManifest::write(const std::filesystem::path& evidence_directory, bool include_manifest_in_sums) const {
  std::string manifest_text = text();
  if (auto s = write_file_atomically(evidence_directory / "manifest.json", manifest_text, 0644); !s) return s;
  return write_file_atomically(evidence_directory / "manifest.sha256",
                               sums(include_manifest_in_sums ? &manifest_text : nullptr), 0644);
}

}  // namespace responder::evidence
