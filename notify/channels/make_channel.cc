// The one place that knows every channel type.
#include "notify/channels/channel.h"
#include "notify/channels/console_channel.h"
#include "notify/channels/file_channel.h"
#include "notify/channels/syslog_channel.h"
#include "notify/channels/smtp_channel.h"
#include "notify/channels/webhook_channel.h"
#include "responder/message_text.h"

namespace responder::notify {

Result<std::unique_ptr<Channel>> make_channel(const std::string& name, const json::object& settings, const Config& config) {
  const json::value* type = settings.if_contains("type");
  if (!type || !type->is_string())
    return bad_input("notify.channels." + name + ".type is required: console, file, syslog, smtp or webhook");
  std::string_view t(type->get_string().data(), type->get_string().size());
  if (t == "console") return make_console_channel(name, settings, config);
  if (t == "file") return make_file_channel(name, settings, config);
  if (t == "syslog") return make_syslog_channel(name, settings, config);
  if (t == "smtp") return make_smtp_channel(name, settings, config);
  if (t == "webhook") return make_webhook_channel(name, settings, config);
  return bad_input("notify.channels." + name + ".type: unknown channel type " + in_quotes(t) +
                   "; known: console, file, syslog, smtp, webhook");
}

}  // namespace responder::notify
