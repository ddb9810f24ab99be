// Reading one channel's settings mapping (`notify.channels.<name>`): every
// error names the key as a responder would find it in responder.yaml.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "responder/json.h"
#include "responder/result.h"

namespace responder {
struct Config;
}

namespace responder::notify {

class ChannelSettings {
 public:
  ChannelSettings(std::string channel_name, const json::object& settings)
      : name_(std::move(channel_name)), settings_(settings) {}

  // "notify.channels.<name>.<key>"
  std::string where(std::string_view key) const;
  // Bad input naming the first key that is neither `type` nor in `known`.
  Status only_keys(std::initializer_list<std::string_view> known) const;
  // A string setting; bad input when present and not a string, or when
  // required and absent. Absent and optional: `fallback`.
  Result<std::string> text(std::string_view key, bool required, std::string fallback = "") const;
  Result<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max, std::int64_t fallback) const;
  Result<bool> flag(std::string_view key, bool fallback) const;
  // A setting naming a secret in the configuration's `secrets:`; its value,
  // or "" when the key is absent. Errors never hold the value.
  Result<std::string> secret(std::string_view key, const Config& config) const;

  const std::string& name() const { return name_; }

 private:
  std::string name_;
  const json::object& settings_;
};

}  // namespace responder::notify
