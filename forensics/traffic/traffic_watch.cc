// traffic.watch: de-escalation's check that an attack has stopped. Listens
// for packets matching the attack's BPF signature; ends early once `quiet`
// passes without one. Reads only; nothing to undo.
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include "forensics/traffic/packet_source.h"
#include "responder/clock.h"
#include "responder/duration.h"
#include "responder/record_module.h"

namespace responder::traffic {
namespace {

// Whether the interface is administratively up with its link running;
// nullopt when the kernel would not say.
std::optional<bool> interface_up(const std::string& name) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  ifreq request{};
  std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
  int got = ::ioctl(fd, SIOCGIFFLAGS, &request);
  ::close(fd);
  if (got != 0) return std::nullopt;
  return (request.ifr_flags & IFF_UP) && (request.ifr_flags & IFF_RUNNING);
}

// How long to watch at most, and how long without a match ends the watch.
struct WatchTimes {
  Duration duration;
  Duration quiet;
};

Result<WatchTimes> watch_times(const json::object& params) {
  auto duration = duration_param(params, "duration", std::chrono::minutes(5));
  if (!duration) return duration.error();
  auto quiet = duration_param(params, "quiet", std::chrono::seconds(60));
  if (!quiet) return quiet.error();
  return WatchTimes{*duration, *quiet};
}

std::string time_text(std::int64_t us) {
  return format_rfc3339(SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(us))));
}

class TrafficWatch final : public RecordModule {
 public:
  TrafficWatch() : RecordModule("watch recorded", "watch not yet recorded") {}
  std::string_view name() const override { return "traffic.watch"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    PlanResult plan;
    auto times = watch_times(params);
    if (!times) return times.error();
    auto [duration, quiet] = *times;
    plan.changes.push_back("nothing changes; watches " + std::string(params.at("interface").as_string()) + " for up to " +
                           format_duration(duration) + " for: " + std::string(params.at("signature").as_string()) +
                           " (stopped after " + format_duration(quiet) + " without a match)");
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    std::string interface(params.at("interface").as_string());
    std::string signature(params.at("signature").as_string());
    auto times = watch_times(params);
    if (!times) return times.error();
    auto [duration, quiet] = *times;
    bool skip_unavailable = params.contains("if_unavailable") && params.at("if_unavailable").as_string() == "skip";
    // Absent or down: no packet can be seen there, so nothing can be said.
    auto not_watched = [&](const std::string& why) -> Result<Receipt> {
      if (!skip_unavailable) return failure("cannot watch " + interface + ": " + why + " (if_unavailable: skip makes this a note)");
      Receipt receipt;
      auto& out = receipt.output;
      out["available"] = false;
      out["recurred"] = false;
      out["stayed_away"] = false;
      out["stopped"] = false;
      out["matches"] = 0;
      out["watched"] = "0s";
      out["signature"] = signature;
      out["interface"] = interface;
      out["why"] = why;
      receipt.changes.push_back("not watched: " + interface + " " + why + " (if_unavailable: skip); whether the attack recurred is unknown");
      return receipt;
    };
    if (interface != "any") {
      // Asked through a socket, so of this thread's network namespace (the
      // far side's setns), which /sys need not show.
      if (::if_nametoindex(interface.c_str()) == 0) return not_watched("does not exist on this host");
      if (auto up = interface_up(interface); up && !*up) return not_watched("is down");
    }
    auto source = PacketSource::open_live(interface, 96);
    if (!source) return skip_unavailable ? not_watched("could not be opened: " + source.error().message) : Result<Receipt>(source.error());
    if (Status s = source->set_filter(signature); !s) return s.error();

    auto start = std::chrono::steady_clock::now();
    auto last_activity = start;  // the start, or the last match
    std::uint64_t matches = 0;
    std::int64_t first_us = 0, last_us = 0;
    bool quiet_reached = false;
    PacketView view;
    auto total_s = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(duration).count());
    auto last_report = start;
    while (std::chrono::steady_clock::now() - start < duration) {
      // By the clock, also while nothing matches: time gone and left.
      if (auto now = std::chrono::steady_clock::now(); context.progress && now - last_report >= std::chrono::seconds(1)) {
        last_report = now;
        auto gone = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now - start).count());
        auto idle = std::chrono::duration_cast<std::chrono::seconds>(now - last_activity).count();
        context.progress->progress(std::min(gone, total_s), total_s, "s",
                                   std::to_string(matches) + " matches on " + interface + "; " +
                                       std::to_string(total_s > gone ? total_s - gone : 0) + " s left, stops after " +
                                       format_duration(quiet) + " without a match (" + std::to_string(idle) + " s so far)");
      }
      if (context.should_stop()) {
        if (context.interrupted && context.interrupted->load())
          return interruption("watch on " + interface + " interrupted after " + std::to_string(matches) + " matches");
        break;
      }
      if (std::chrono::steady_clock::now() - last_activity >= quiet) {
        quiet_reached = true;
        break;
      }
      auto next = source->next(view);
      if (!next) return next.error();
      if (*next == PacketSource::Next::end) break;
      if (*next != PacketSource::Next::packet) continue;
      if (!matches) first_us = view.time_us;
      last_us = view.time_us;
      ++matches;
      last_activity = std::chrono::steady_clock::now();
    }
    auto watched = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    Receipt receipt;
    auto& out = receipt.output;
    out["available"] = true;
    out["recurred"] = matches > 0;
    // Only a watch that ran its course (quiet reached, or the whole
    // duration) says the attack stayed away; one cut short says nothing.
    out["stayed_away"] = matches == 0 && (quiet_reached || watched >= duration);
    out["matches"] = matches;
    out["stopped"] = quiet_reached;
    out["watched"] = format_duration(watched);
    out["signature"] = signature;
    out["interface"] = interface;
    if (matches) {
      out["first_match"] = time_text(first_us);
      out["last_match"] = time_text(last_us);
    }
    if (auto stats = source->live_stats()) out["kernel_drops"] = stats->kernel_drops;
    std::string line = matches ? "attack signature matched " + std::to_string(matches) + " packets, first at " + time_text(first_us) +
                                     ", last at " + time_text(last_us)
                               : "attack signature did not recur in " + format_duration(watched);
    line += quiet_reached ? "; quiet for " + format_duration(quiet) + ": stopped" : "; not quiet at the end of the watch";
    receipt.changes.push_back(line);
    return receipt;
  }
};

RESPONDER_MODULE(TrafficWatch);

}  // namespace
}  // namespace responder::traffic
