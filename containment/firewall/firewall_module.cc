#include "containment/firewall/firewall_module.h"

#include <chrono>

#include "responder/clock.h"
#include "responder/duration.h"

namespace responder::firewall {
namespace {

// The description lines that say how long the change lasts, as planned:
// status replaces them with the moment itself.
bool planned_deadline(const std::string& line) {
  return line.starts_with("the kernel removes it by itself after") || line.starts_with("the kernel lifts") ||
         line.starts_with("dead-man switch:");
}

// The count line add_output writes, and the confirmation confirm adds.
bool bookkeeping(const std::string& line) {
  return line.find(" in table inet responder") != std::string::npos || line.starts_with("confirmed: ") ||
         line.starts_with("recovered from the plan: ");
}

std::string at_moment(std::int64_t ms, std::int64_t now_ms) {
  std::string when = format_unix_ms(ms);
  if (ms <= now_ms) return when + " (passed)";
  // Whole seconds: the time left reads "1h59m", not milliseconds.
  auto left = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::milliseconds(ms - now_ms));
  return when + " (in " + format_duration(std::chrono::duration_cast<Duration>(left)) + ")";
}

}  // namespace

std::vector<std::string> firewall_in_force_lines(const Receipt& receipt, std::int64_t now_ms) {
  auto parsed = FirewallReceipt::from_json(receipt.undo);
  if (!parsed) return receipt.changes;
  std::vector<std::string> lines;
  for (auto& line : receipt.changes)
    if (!planned_deadline(line)) lines.push_back(line);
  if (parsed->confirm_by_ms)
    lines.push_back("dead-man switch: lifted at " + at_moment(*parsed->confirm_by_ms, now_ms) +
                    " unless confirmed (responder confirm)");
  if (parsed->expires_at_ms) lines.push_back("expires at " + at_moment(*parsed->expires_at_ms, now_ms));
  else if (!parsed->confirm_by_ms) lines.push_back("no expiry: in force until undone");
  return lines;
}

std::string firewall_ended_by_itself(const Receipt& receipt, std::int64_t now_ms) {
  auto parsed = FirewallReceipt::from_json(receipt.undo);
  if (!parsed) return "";
  if (parsed->confirm_by_ms && now_ms >= *parsed->confirm_by_ms)
    return "lifted by its dead-man switch at " + at_moment(*parsed->confirm_by_ms, now_ms) + ": it was not confirmed";
  if (parsed->expires_at_ms && now_ms >= *parsed->expires_at_ms) return "expired at " + at_moment(*parsed->expires_at_ms, now_ms);
  return "";
}

std::vector<std::string> firewall_undone_lines(const Receipt& receipt) {
  if (std::string ended = firewall_ended_by_itself(receipt, now_unix_ms()); !ended.empty())
    return {"nothing was left to lift: it had ended by itself (" + ended + ")"};
  std::vector<std::string> lines;
  for (auto& line : receipt.changes)
    if (!planned_deadline(line) && !bookkeeping(line) && !line.starts_with("always kept reachable"))
      lines.push_back("lifted: " + line);
  if (auto parsed = FirewallReceipt::from_json(receipt.undo)) {
    std::size_t n = parsed->element_count();
    if (n > 0 || !parsed->own_chains.empty())
      lines.push_back("removed its " + std::to_string(n) + " entr" + (n == 1 ? "y" : "ies") +
                      (parsed->own_chains.empty() ? "" : " and " + std::to_string(parsed->own_chains.size()) + " chain(s)") +
                      " from table inet responder");
    else
      lines.push_back("it had added nothing (already in force by earlier steps): nothing to remove");
  }
  return lines;
}

}  // namespace responder::firewall
