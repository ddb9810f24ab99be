#include "notify/outbox/outbox.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "responder/clock.h"
#include "responder/durable_file.h"

namespace responder::notify {

std::filesystem::path outbox_file(const std::filesystem::path& incident_dir) {
  return incident_dir / "outbox" / "outbox.jsonl";
}

Result<std::unique_ptr<Outbox>> Outbox::open(const std::filesystem::path& incident_dir) {
  auto dir = incident_dir / "outbox";
  if (::mkdir(dir.c_str(), 0700) == 0) {
    if (auto synced = fsync_directory(incident_dir); !synced) return synced.error();
  } else if (errno != EEXIST) {
    return failure("cannot create the outbox " + dir.string() + ": " + std::strerror(errno));
  }
  auto log = chained_log::Writer::open(outbox_file(incident_dir), chained_log::OpenMode::create_if_missing, 0600);
  if (!log) return failure("cannot open the outbox: " + log.error().message);
  return std::unique_ptr<Outbox>(new Outbox(std::move(*log)));
}

Status Outbox::append(std::string_view kind, json::object payload) {
  std::lock_guard lock(mutex_);
  chained_log::Entry entry;
  entry.header = json::object{{"time", now_rfc3339()}, {"kind", kind}};
  entry.payload = std::move(payload);
  auto r = log_.append(std::move(entry));
  if (!r) return failure("cannot write the outbox " + log_.file().string() + ": " + r.error().message);
  return {};
}

namespace {

json::object message_json(const Message& m) {
  return {{"subject", m.subject}, {"body", m.body},           {"severity", m.severity},
          {"incident", m.incident_id}, {"journal", m.journal_witness}, {"recipient", m.recipient}};
}

std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : "";
}

}  // namespace

Status Outbox::queue(const OutboxEntry& e) {
  json::array reach;
  for (auto& r : e.reach) reach.push_back(json::object{{"channel", r.channel}, {"to", r.to}});
  return append("queued", {{"key", e.key},
                           {"step", e.step},
                           {"contact", e.contact},
                           {"message", message_json(e.message)},
                           {"ack_token", e.message.ack_token},
                           {"reach", reach},
                           {"escalated_from", e.escalated_from}});
}

Status Outbox::attempt(const std::string& key, const std::string& channel, const std::string& address,
                       const DeliveryResult& result) {
  json::object payload{{"key", key},
                       {"channel", channel},
                       {"address", address},
                       {"outcome", result.state == DeliveryState::retry ? "retry" : "failed"},
                       {"detail", result.detail}};
  if (result.retry_after) payload["retry_after_ms"] = result.retry_after->count();
  return append("attempt", std::move(payload));
}

Status Outbox::delivered(const std::string& key, const std::string& channel, const std::string& address,
                         const std::string& detail, const std::vector<std::string>& fell_back_from) {
  return append("delivered", {{"key", key},
                              {"channel", channel},
                              {"address", address},
                              {"detail", detail},
                              {"fell_back_from", string_array(fell_back_from)}});
}

Status Outbox::gave_up(const std::string& key, const std::string& reason) {
  return append("gave_up", {{"key", key}, {"reason", reason}});
}

Result<std::map<std::string, OutboxEntry>> outbox_entries(std::string_view bytes, const std::string& origin) {
  auto chain = chained_log::verify(bytes, {}, origin);
  if (chain.breaks) return refusal("the outbox " + origin + " does not verify: " + chain.first_break);
  auto contents = chained_log::parse(bytes, origin);
  if (!contents) return contents.error();
  std::map<std::string, OutboxEntry> entries;
  for (auto& record : contents->records) {
    const json::object& f = record.fields;
    std::string kind = text_of(f, "kind");
    std::string key = text_of(f, "key");
    if (kind == "queued") {
      OutboxEntry e;
      e.key = key;
      e.step = text_of(f, "step");
      e.contact = text_of(f, "contact");
      e.queued_time = text_of(f, "time");
      e.escalated_from = text_of(f, "escalated_from");
      if (auto* m = f.if_contains("message"); m && m->is_object()) {
        const json::object& mo = m->get_object();
        e.message.key = key;
        e.message.subject = text_of(mo, "subject");
        e.message.body = text_of(mo, "body");
        e.message.severity = text_of(mo, "severity");
        e.message.incident_id = text_of(mo, "incident");
        e.message.journal_witness = text_of(mo, "journal");
        e.message.recipient = text_of(mo, "recipient");
      }
      e.message.ack_token = text_of(f, "ack_token");
      if (auto* r = f.if_contains("reach"); r && r->is_array())
        for (auto& item : r->get_array())
          if (item.is_object()) e.reach.push_back({text_of(item.get_object(), "channel"), text_of(item.get_object(), "to")});
      entries.emplace(key, std::move(e));
      continue;
    }
    auto it = entries.find(key);
    if (it == entries.end()) continue;
    OutboxEntry& e = it->second;
    if (kind == "attempt") {
      ++e.attempts;
      e.last_error = text_of(f, "channel") + ": " + text_of(f, "detail");
    } else if (kind == "delivered") {
      ++e.attempts;
      e.delivered = true;
      e.gave_up = false;
      e.channel = text_of(f, "channel");
      e.address = text_of(f, "address");
      e.detail = text_of(f, "detail");
      e.time = text_of(f, "time");
      e.fell_back_from.clear();
      if (auto* fb = f.if_contains("fell_back_from"); fb && fb->is_array())
        for (auto& c : fb->get_array())
          if (c.is_string()) e.fell_back_from.emplace_back(c.get_string());
    } else if (kind == "gave_up") {
      if (!e.delivered) e.gave_up = true;
      e.last_error = text_of(f, "reason");
    }
  }
  return entries;
}

Result<std::map<std::string, OutboxEntry>> Outbox::read() {
  std::lock_guard lock(mutex_);
  auto bytes = read_text_file(log_.file());
  if (!bytes) return bytes.error();
  return outbox_entries(*bytes, log_.file().string());
}

Result<std::map<std::string, OutboxEntry>> read_outbox(const std::filesystem::path& incident_dir) {
  auto file = outbox_file(incident_dir);
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::map<std::string, OutboxEntry>{};
  auto bytes = read_text_file(file);
  if (!bytes) return bytes.error();
  return outbox_entries(*bytes, file.string());
}

}  // namespace responder::notify
