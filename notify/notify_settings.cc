#include "notify/notify_settings.h"

#include "responder/config.h"
#include "responder/duration.h"
#include "responder/message_text.h"

namespace responder::notify {

Result<NotifySettings> load_notify_settings(const Config& config) {
  NotifySettings settings;
  std::string where = config.source.empty() ? "the configuration (none was read; --config FILE)" : config.source.string();
  if (config.contacts.empty()) return bad_input("no contacts file: set `contacts: FILE` in " + where);
  auto contacts = load_contacts(config.beside(config.contacts));
  if (!contacts) return contacts.error();
  settings.contacts = std::move(*contacts);

  json::object section = config.section("notify");
  const json::value* channels = section.if_contains("channels");
  if (!channels || !channels->is_object() || channels->get_object().empty())
    return bad_input("no notification channels: set `notify: {channels: {NAME: {type: ...}}}` in " + where);
  for (auto& [name, value] : channels->get_object()) {
    std::string channel_name(name);
    if (!value.is_object()) return bad_input("notify.channels." + channel_name + " is a mapping with type: and its settings");
    auto channel = make_channel(channel_name, value.get_object(), config);
    if (!channel) {
      settings.broken[channel_name] = channel.error().message;
      continue;
    }
    settings.channels.emplace(channel_name, std::move(*channel));
  }
  for (auto& person : settings.contacts.people)
    for (auto& reach : person.reach)
      if (!settings.channels.count(reach.channel) && !settings.broken.count(reach.channel))
        return bad_input(settings.contacts.file.string() + ": " + person.id + " is reached by channel " +
                         in_quotes(reach.channel) + ", which notify.channels in " + where + " does not define");

  if (auto* v = section.if_contains("attempts"); v && v->is_int64()) settings.policy.attempts_per_channel = static_cast<int>(v->get_int64());
  if (auto* v = section.if_contains("sends_per_second"); v && v->is_int64()) settings.policy.sends_per_second = static_cast<int>(v->get_int64());
  if (auto* v = section.if_contains("backoff"))
    if (auto d = duration_from_json(*v)) settings.policy.first_backoff = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  if (auto* v = section.if_contains("max_backoff"))
    if (auto d = duration_from_json(*v)) settings.policy.max_backoff = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  if (auto* v = section.if_contains("templates"); v && v->is_string())
    settings.templates = config.beside(std::string(v->get_string()));
  return settings;
}

}  // namespace responder::notify
