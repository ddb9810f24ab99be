// `type: console`: the message on the runner's standard error, for drills
// and for a responder watching the run.
#pragma once

#include "notify/channels/channel.h"

namespace responder::notify {
Result<std::unique_ptr<Channel>> make_console_channel(const std::string& name, const json::object& settings,
                                                      const Config& config);
}
