// Sending queued messages: every contact at once (an Asio thread pool), each
// through its channels in order of preference, with retries that back off
// exponentially and honour Retry-After, a rate budget per channel, and
// fallback to the contact's next channel when one fails past its limit or
// is marked compromised. Every attempt and delivery is an outbox record
// before the next step of the same message is taken.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "notify/channels/channel.h"
#include "notify/outbox/outbox.h"

namespace responder {
class ProgressSink;
}

namespace responder::notify {

struct DeliveryPolicy {
  int attempts_per_channel = 3;
  std::chrono::milliseconds first_backoff{1000};
  std::chrono::milliseconds max_backoff{30000};
  int sends_per_second = 10;  // per channel, across all contacts
};

// The configured channels of one run, by name.
using ChannelSet = std::map<std::string, std::unique_ptr<Channel>>;

struct ContactOutcome {
  std::string key, contact;
  bool delivered = false;
  std::string channel, address, detail;
  std::vector<std::string> fell_back_from;  // channels tried first, in order
  std::string error;                        // why nothing delivered
};

struct DeliveryRun {
  const ChannelSet* channels = nullptr;
  // Configured channels that could not be built, with why (may be null).
  const std::map<std::string, std::string>* broken = nullptr;
  // Whether a channel is marked compromised (never sent over), asked before
  // every attempt so that one marked while messages go out is not used for
  // one more (may be empty: none is).
  std::function<bool(const std::string& channel)> compromised_now;
  std::set<std::string> only;         // when non-empty, the channels allowed
  DeliveryPolicy policy;
  Outbox* outbox = nullptr;
  std::chrono::steady_clock::time_point deadline;
  const std::atomic<bool>* interrupted = nullptr;
  ProgressSink* progress = nullptr;   // called from the calling thread only
};

// Delivers each of `pending` (entries not yet delivered); returns one
// outcome per entry, in the same order. An outbox that cannot be written
// stops that message before it is sent.
std::vector<ContactOutcome> deliver_all(const std::vector<OutboxEntry>& pending, const DeliveryRun& run);

}  // namespace responder::notify
