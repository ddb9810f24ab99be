#include "notify/channels/console_channel.h"

#include <cstdio>
#include <mutex>

#include "notify/channels/channel_settings.h"
#include "notify/channels/message_footer.h"

namespace responder::notify {
namespace {

class ConsoleChannel final : public Channel {
 public:
  explicit ConsoleChannel(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "console"; }
  DeliveryResult send(const Message& message, const std::string& address,
                      std::chrono::steady_clock::time_point) override {
    static std::mutex one_at_a_time;
    std::lock_guard lock(one_at_a_time);
    std::string text = "=== notification to " + message.recipient + (address.empty() ? "" : " <" + address + ">") +
                       " ===\n" + message_as_text(message) + "===\n";
    if (std::fwrite(text.data(), 1, text.size(), stderr) != text.size() || std::fflush(stderr) != 0)
      return {DeliveryState::failed, "cannot write to standard error", std::nullopt};
    return {DeliveryState::delivered, "printed on standard error", std::nullopt};
  }

 private:
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<Channel>> make_console_channel(const std::string& name, const json::object& settings,
                                                      const Config&) {
  ChannelSettings s(name, settings);
  if (auto ok = s.only_keys({}); !ok) return ok.error();
  return std::unique_ptr<Channel>(std::make_unique<ConsoleChannel>(name));
}

}  // namespace responder::notify
