#include "responder/targets/far_side_relay.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "responder/targets/step_service.h"

namespace responder::targets {

Status FarSideOutput::write_all(std::string_view a, std::string_view b) {
  if (broken_) return failure("the controller is no longer reading this host's answer");
  for (std::string_view part : {a, b}) {
    while (!part.empty()) {
      ssize_t w = ::write(1, part.data(), part.size());
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EAGAIN) {
        pollfd ready{1, POLLOUT, 0};
        ::poll(&ready, 1, 1000);
        continue;
      }
      if (w <= 0) {
        broken_ = true;
        return failure(std::string("cannot write to the controller: ") + std::strerror(errno));
      }
      part.remove_prefix(static_cast<std::size_t>(w));
    }
  }
  return {};
}

Status FarSideOutput::line(const json::object& object) {
  std::string text = to_json_text(object);
  text += '\n';
  std::lock_guard lock(mutex_);
  return write_all(text, {});
}

Status FarSideOutput::frame(const json::object& header, std::string_view bytes) {
  std::string text = to_json_text(header);
  text += '\n';
  std::lock_guard lock(mutex_);
  return write_all(text, bytes);
}

Result<std::uint64_t> FarSideRelay::open(const std::string& name) {
  std::uint64_t item;
  {
    std::lock_guard lock(mutex_);
    if (gone_) return failure("the controller stopped listening; " + name + " was not collected");
    item = ++next_;
  }
  if (auto s = out_.line({{"evidence", json::object{{"item", item}, {"name", name}}}}); !s) return s.error();
  return item;
}

Status FarSideRelay::send(std::uint64_t item, const std::byte* data, std::size_t size) {
  while (size > 0) {
    std::size_t part = std::min(size, kMaxEvidenceFrame);
    auto s = out_.frame({{"evidence_data", json::object{{"item", item}, {"size", part}}}},
                        std::string_view(reinterpret_cast<const char*>(data), part));
    if (!s) return s;
    data += part;
    size -= part;
  }
  return {};
}

Result<json::object> FarSideRelay::close(std::uint64_t item, json::object description) {
  auto identity = this_host_identity();
  description["identity"] = json::object{{"hostname", identity.hostname}, {"machine_id", identity.machine_id}};
  std::string name = description.contains("name") && description.at("name").is_string()
                         ? std::string(description.at("name").get_string())
                         : std::string("the item");
  if (auto s = out_.line({{"evidence_end", json::object{{"item", item}, {"description", std::move(description)}}}}); !s)
    return s.error();
  std::unique_lock lock(mutex_);
  answered_.wait(lock, [&] { return gone_ || answers_.count(item); });
  auto it = answers_.find(item);
  if (it == answers_.end())
    return failure("the controller stopped listening before it said it stored " + name + "; it is not known to be in the evidence");
  auto answer = std::move(it->second);
  answers_.erase(it);
  return answer;
}

void FarSideRelay::abandon(std::uint64_t item) {
  (void)out_.line({{"evidence_abandoned", json::object{{"item", item}}}});
}

void FarSideRelay::controller_said(std::string_view line) {
  json::value value;
  try {
    value = parse_json(line);
  } catch (const std::exception&) {
    return;
  }
  if (!value.is_object()) return;
  auto& o = value.get_object();
  const json::value* body = o.if_contains("evidence_stored");
  bool stored = body != nullptr;
  if (!body) body = o.if_contains("evidence_refused");
  if (!body || !body->is_object()) return;
  auto* item = body->get_object().if_contains("item");
  if (!item || !(item->is_uint64() || item->is_int64())) return;
  std::uint64_t id = item->is_uint64() ? item->get_uint64() : static_cast<std::uint64_t>(item->get_int64());
  Result<json::object> answer = failure("the controller did not store the item");
  if (stored) {
    auto* record = body->get_object().if_contains("record");
    if (record && record->is_object()) answer = record->get_object();
  } else if (auto* e = body->get_object().if_contains("error"); e && e->is_string()) {
    answer = failure("the controller did not store it: " + std::string(e->get_string()));
  }
  std::lock_guard lock(mutex_);
  answers_.insert_or_assign(id, std::move(answer));
  answered_.notify_all();
}

void FarSideRelay::controller_gone() {
  std::lock_guard lock(mutex_);
  gone_ = true;
  answered_.notify_all();
}

}  // namespace responder::targets
