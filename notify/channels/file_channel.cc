#include "notify/channels/file_channel.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "notify/channels/channel_settings.h"
#include "notify/channels/message_footer.h"

namespace responder::notify {
namespace {

class FileChannel final : public Channel {
 public:
  FileChannel(std::string name, std::string path) : name_(std::move(name)), path_(std::move(path)) {}
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "file"; }
  DeliveryResult send(const Message& message, const std::string& address,
                      std::chrono::steady_clock::time_point) override {
    json::object line{{"key", message.key},         {"incident", message.incident_id}, {"severity", message.severity},
                      {"to", message.recipient},    {"address", address},             {"subject", message.subject},
                      {"body", message.body},       {"journal", message.journal_witness},
                      {"ack_token", message.ack_token}, {"text", message_as_text(message)}};
    std::string text = to_json_text(line) + "\n";
    std::lock_guard lock(mutex_);
    int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return {DeliveryState::failed, "cannot open " + path_ + ": " + std::strerror(errno), std::nullopt};
    std::size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::write(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        std::string why = std::strerror(errno);
        ::close(fd);
        return {DeliveryState::retry, "cannot write " + path_ + ": " + why, std::nullopt};
      }
      done += static_cast<std::size_t>(n);
    }
    bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) return {DeliveryState::retry, "cannot sync " + path_ + ": " + std::strerror(errno), std::nullopt};
    return {DeliveryState::delivered, "appended to " + path_, std::nullopt};
  }

 private:
  std::string name_, path_;
  std::mutex mutex_;
};

}  // namespace

Result<std::unique_ptr<Channel>> make_file_channel(const std::string& name, const json::object& settings, const Config&) {
  ChannelSettings s(name, settings);
  if (auto ok = s.only_keys({"path"}); !ok) return ok.error();
  auto path = s.text("path", true);
  if (!path) return path.error();
  return std::unique_ptr<Channel>(std::make_unique<FileChannel>(name, *path));
}

}  // namespace responder::notify
