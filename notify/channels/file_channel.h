// `type: file` (`path:`): each message appended to a file and fsync'd before
// it counts as delivered; for drills, and as a log a responder can grep.
// One JSON object per line, so a drill can read back exactly what was sent.
#pragma once

#include "notify/channels/channel.h"

namespace responder::notify {
Result<std::unique_ptr<Channel>> make_file_channel(const std::string& name, const json::object& settings,
                                                   const Config& config);
}
