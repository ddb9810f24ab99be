#include "notify/channels/channel_settings.h"

#include <algorithm>

#include "responder/config.h"
#include "responder/message_text.h"

namespace responder::notify {

std::string ChannelSettings::where(std::string_view key) const {
  return "notify.channels." + name_ + "." + std::string(key);
}

Status ChannelSettings::only_keys(std::initializer_list<std::string_view> known) const {
  for (auto& [key, value] : settings_) {
    std::string_view k(key.data(), key.size());
    if (k == "type" || std::find(known.begin(), known.end(), k) != known.end()) continue;
    std::string names;
    for (auto n : known) names += (names.empty() ? "" : ", ") + std::string(n);
    return bad_input(where(k) + ": unknown setting; a " + std::string(settings_.at("type").get_string()) +
                     " channel takes " + (names.empty() ? "no other settings" : names));
  }
  return {};
}

Result<std::string> ChannelSettings::text(std::string_view key, bool required, std::string fallback) const {
  const json::value* v = settings_.if_contains(key);
  if (!v || v->is_null()) {
    if (required) return bad_input(where(key) + " is required");
    return fallback;
  }
  if (!v->is_string()) return bad_input(where(key) + ": expected text, found " + display(*v));
  return std::string(v->get_string());
}

Result<std::int64_t> ChannelSettings::integer(std::string_view key, std::int64_t min, std::int64_t max,
                                              std::int64_t fallback) const {
  const json::value* v = settings_.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_int64()) return bad_input(where(key) + ": expected a whole number, found " + display(*v));
  std::int64_t n = v->get_int64();
  if (n < min || n > max)
    return bad_input(where(key) + ": " + std::to_string(n) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
  return n;
}

Result<bool> ChannelSettings::flag(std::string_view key, bool fallback) const {
  const json::value* v = settings_.if_contains(key);
  if (!v || v->is_null()) return fallback;
  if (!v->is_bool()) return bad_input(where(key) + ": expected true or false, found " + display(*v));
  return v->get_bool();
}

Result<std::string> ChannelSettings::secret(std::string_view key, const Config& config) const {
  auto name = text(key, false);
  if (!name) return name.error();
  if (name->empty()) return std::string();
  if (!config.secrets.count(*name))
    return bad_input(where(key) + ": no secret named " + in_quotes(*name) + " under `secrets:` in the configuration");
  auto value = config.secret(*name);
  if (!value) return bad_input(where(key) + ": " + value.error().message);
  return value;
}

}  // namespace responder::notify
