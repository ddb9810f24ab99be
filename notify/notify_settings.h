// The `notify:` section of the configuration made usable: the contacts, the
// channels built from their settings (secrets read now), and the delivery
// policy. Built per step, so a secret rotated mid-incident is picked up.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "notify/contacts/contacts.h"
#include "notify/delivery/delivery.h"

namespace responder {
struct Config;
}

namespace responder::notify {

struct NotifySettings {
  Contacts contacts;
  ChannelSet channels;
  DeliveryPolicy policy;
  std::filesystem::path templates;  // empty: the playbook's folder
  // Channels that could not be built, with why. Contacts fall back past them.
  std::map<std::string, std::string> broken;
};

// Loads the contacts file and builds every channel under notify.channels.
// Missing contacts or channels, and bad settings, are bad input naming the
// file or key to fix.
// A channel that cannot be built (a secret unreadable now, a CA file
// missing) is listed in `broken` instead of failing the load: one channel
// must not take every fallback with it.
Result<NotifySettings> load_notify_settings(const Config& config);

}  // namespace responder::notify
