#include "notify/delivery/delivery.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <mutex>
#include <thread>

#include "responder/module.h"

namespace responder::notify {
namespace {

using Clock = std::chrono::steady_clock;

// Spaces sends over one channel so that a burst of contacts does not trip
// the far side's rate limit (and its 429s) in the first place.
class RateBudget {
 public:
  explicit RateBudget(int per_second) : interval_(std::chrono::milliseconds(1000 / std::max(1, per_second))) {}
  // The time this caller may send at.
  Clock::time_point reserve() {
    std::lock_guard lock(mutex_);
    auto now = Clock::now();
    auto slot = std::max(now, next_);
    next_ = slot + interval_;
    return slot;
  }
  // The far side asked everyone to wait (429/503 with Retry-After): no
  // contact sends over this channel before `until`.
  void hold_until(Clock::time_point until) {
    std::lock_guard lock(mutex_);
    next_ = std::max(next_, until);
  }

 private:
  std::mutex mutex_;
  Clock::duration interval_;
  Clock::time_point next_{};
};

// Sleeps until `until`; false when the run must stop first.
bool pause_until(Clock::time_point until, const DeliveryRun& run) {
  if (run.interrupted && run.interrupted->load()) return false;
  if (Clock::now() >= run.deadline) return false;
  while (Clock::now() < until) {
    if (run.interrupted && run.interrupted->load()) return false;
    if (Clock::now() >= run.deadline) return false;
    auto step = std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50));
    std::this_thread::sleep_for(step);
  }
  return true;
}

std::string seconds_text(std::chrono::milliseconds ms) {
  return std::to_string((ms.count() + 999) / 1000) + " s";
}

ContactOutcome deliver_one(const OutboxEntry& entry, const DeliveryRun& run,
                           std::map<std::string, std::unique_ptr<RateBudget>>& budgets) {
  ContactOutcome outcome;
  outcome.key = entry.key;
  outcome.contact = entry.contact;
  std::vector<std::string> tried;
  std::vector<std::string> reasons;
  for (const Reach& reach : entry.reach) {
    if (!run.only.empty() && !run.only.count(reach.channel)) continue;
    if (run.compromised_now && run.compromised_now(reach.channel)) {
      reasons.push_back(reach.channel + ": marked compromised for this incident, not used");
      tried.push_back(reach.channel);
      continue;
    }
    auto channel = run.channels->find(reach.channel);
    if (channel == run.channels->end()) {
      auto broken = run.broken ? run.broken->find(reach.channel) : std::map<std::string, std::string>::const_iterator{};
      reasons.push_back(reach.channel + ": " +
                        (run.broken && broken != run.broken->end() ? "cannot be used: " + broken->second
                                                                     : std::string("no such channel under notify.channels")));
      tried.push_back(reach.channel);
      continue;
    }
    auto backoff = run.policy.first_backoff;
    bool fall_back = false;
    for (int attempt = 1; attempt <= run.policy.attempts_per_channel && !fall_back; ++attempt) {
      if (!pause_until(budgets.at(reach.channel)->reserve(), run)) {
        outcome.error = "stopped before sending (time up or interrupted)";
        return outcome;
      }
      if (run.compromised_now && run.compromised_now(reach.channel)) {
        reasons.push_back(reach.channel + ": marked compromised while sending, not used again");
        break;
      }
      // A channel that hangs must leave time for the contact's later
      // channels: each send gets its share of what is left.
      std::size_t channels_left = 1;
      for (auto later = &reach + 1; later < entry.reach.data() + entry.reach.size(); ++later) ++channels_left;
      auto left = run.deadline - Clock::now();
      auto share = std::max<Clock::duration>(left / static_cast<long>(channels_left), std::chrono::seconds(1));
      auto send_deadline = std::min(run.deadline, Clock::now() + share);
      DeliveryResult result = channel->second->send(entry.message, reach.to, send_deadline);
      if (result.state == DeliveryState::delivered) {
        if (auto ok = run.outbox->delivered(entry.key, reach.channel, reach.to, result.detail, tried); !ok) {
          // Sent, but not recorded: resume would send it again under the same
          // key, which receivers use to drop the copy.
          outcome.error = "delivered by " + reach.channel + " but " + ok.error().message;
          return outcome;
        }
        outcome.delivered = true;
        outcome.channel = reach.channel;
        outcome.address = reach.to;
        outcome.detail = result.detail;
        outcome.fell_back_from = tried;
        return outcome;
      }
      if (auto ok = run.outbox->attempt(entry.key, reach.channel, reach.to, result); !ok) {
        outcome.error = ok.error().message;
        return outcome;
      }
      reasons.push_back(reach.channel + ": " + result.detail);
      if (result.state == DeliveryState::failed || attempt == run.policy.attempts_per_channel) break;
      if (result.retry_after) budgets.at(reach.channel)->hold_until(Clock::now() + *result.retry_after);
      auto wait = std::max(backoff, result.retry_after.value_or(std::chrono::milliseconds(0)));
      if (Clock::now() + wait >= run.deadline) {
        reasons.back() += " (asked to wait " + seconds_text(wait) + ", past the step's time)";
        fall_back = true;
        break;
      }
      if (!pause_until(Clock::now() + wait, run)) {
        outcome.error = "stopped while waiting to retry " + reach.channel;
        return outcome;
      }
      backoff = std::min(backoff * 2, run.policy.max_backoff);
    }
    tried.push_back(reach.channel);
  }
  std::string why;
  for (auto& r : reasons) why += (why.empty() ? "" : "; ") + r;
  outcome.error = why.empty() ? "no channel of this contact is allowed for this step" : why;
  return outcome;
}

}  // namespace

std::vector<ContactOutcome> deliver_all(const std::vector<OutboxEntry>& pending, const DeliveryRun& run) {
  std::vector<ContactOutcome> outcomes(pending.size());
  if (pending.empty()) return outcomes;
  std::map<std::string, std::unique_ptr<RateBudget>> budgets;
  for (auto& [name, channel] : *run.channels) budgets[name] = std::make_unique<RateBudget>(run.policy.sends_per_second);
  std::atomic<std::size_t> done{0};
  {
    boost::asio::thread_pool pool(std::min<std::size_t>(pending.size(), 64));
    for (std::size_t i = 0; i < pending.size(); ++i)
      boost::asio::post(pool, [&, i] {
        try {
          outcomes[i] = deliver_one(pending[i], run, budgets);
        } catch (const std::exception& e) {
          outcomes[i].key = pending[i].key;
          outcomes[i].contact = pending[i].contact;
          outcomes[i].error = std::string("sending stopped: ") + e.what();
        }
        if (outcomes[i].error.empty() && !outcomes[i].delivered) outcomes[i].error = "not delivered";
        if (!outcomes[i].delivered) {
          // Settled for this attempt; a later apply (retry, resume) tries it again.
          (void)run.outbox->gave_up(pending[i].key, outcomes[i].error);
        }
        ++done;
      });
    std::size_t reported = static_cast<std::size_t>(-1);
    while (done.load() < pending.size()) {
      if (run.progress && done.load() != reported) {
        reported = done.load();
        run.progress->progress(reported, pending.size(), "messages", "sending");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    pool.join();
  }
  if (run.progress) run.progress->progress(pending.size(), pending.size(), "messages", "sent");
  return outcomes;
}

}  // namespace responder::notify
