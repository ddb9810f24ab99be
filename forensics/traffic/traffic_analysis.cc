#include "forensics/traffic/traffic_analysis.h"

#include <set>

#include "forensics/traffic/packet_decoder.h"
#include "forensics/traffic/packet_source.h"
#include "responder/clock.h"

namespace responder::traffic {
namespace {

constexpr std::uint64_t kCheckEvery = 1 << 14;  // packets between stop/progress checks

std::string time_text(Micros t) {
  return format_rfc3339(SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(t))));
}

json::object capture_summary(const TrafficTally& tally) {
  const CaptureTotals& t = tally.totals();
  json::object c;
  c["packets"] = t.packets;
  c["bytes"] = t.bytes;
  c["ip_packets"] = t.ip_packets;
  c["not_ip"] = t.not_ip;
  c["tcp"] = t.by_transport[1];
  c["udp"] = t.by_transport[2];
  c["icmp"] = t.by_transport[3];
  c["fragments"] = t.fragments;
  c["fragments_attributed"] = t.fragments_attributed;
  if (t.packets) {
    c["first"] = time_text(t.first);
    c["last"] = time_text(t.last);
    c["duration_s"] = static_cast<double>(t.last - t.first) / 1e6;
  }
  c["distinct_sources"] = tally.distinct_sources();
  json::object tables;
  tables["sources_tracked"] = tally.sources().size();
  tables["sources_capacity"] = tally.limits().max_sources;
  tables["untracked_source_packets"] = t.untracked_source_packets;
  tables["aggregates"] = tally.aggregates().size();
  tables["untracked_aggregate_packets"] = t.untracked_aggregate_packets;
  tables["services"] = tally.services().size();
  tables["fragmented_datagrams"] = tally.fragmented_datagrams().size();
  tables["fragmented_datagrams_capacity"] = tally.fragmented_datagrams().capacity();
  tables["fragmented_datagrams_displaced"] = tally.fragmented_datagrams().displaced();
  c["tables"] = std::move(tables);
  return c;
}

void count(TrafficTally& tally, int linktype, const PacketView& view, DecodedPacket& decoded) {
  if (decode_packet(linktype, view.data, view.captured, decoded)) tally.add(decoded, view.time_us, view.wire_length);
  else tally.add_not_ip(view.time_us, view.wire_length);
}

}  // namespace

Result<Finding> analyze_captures(const std::vector<std::filesystem::path>& files, const AnalysisOptions& options) {
  if (files.empty()) return bad_input("no capture file given");
  TrafficTally tally(options.limits);
  json::array names, warnings;
  std::set<std::string> linktypes;
  std::uint64_t total_size = 0, done_before = 0;
  for (auto& f : files) {
    std::error_code ec;
    auto size = std::filesystem::file_size(f, ec);
    if (!ec) total_size += size;
  }
  DecodedPacket decoded;
  for (auto& file : files) {
    auto source = PacketSource::open_file(file);
    if (!source) return source.error();
    int linktype = source->linktype();
    if (!linktype_supported(linktype))
      return bad_input("capture " + file.string() + " has link type " + source->linktype_name() +
                       ", which is not decoded (Ethernet, Linux cooked SLL/SLL2, raw IP and loopback are)");
    linktypes.insert(source->linktype_name());
    names.emplace_back(file.string());
    PacketView view;
    std::uint64_t n = 0;
    for (;;) {
      auto next = source->next(view);
      if (!next) {
        warnings.emplace_back(next.error().message);
        break;
      }
      if (*next != PacketSource::Next::packet) break;
      count(tally, linktype, view, decoded);
      if (++n % kCheckEvery == 0 && options.context) {
        if (options.context->should_stop())
          return interruption("analysis of " + file.string() + " stopped after " + std::to_string(n) + " packets");
        if (options.context->progress)
          options.context->progress->progress(done_before + source->position(), total_size, "bytes",
                                              "analysing " + file.filename().string());
      }
    }
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (!ec) done_before += size;
  }
  Finding finding = conclude(tally, options.thresholds);
  finding.capture = capture_summary(tally);
  finding.capture["files"] = std::move(names);
  json::array lt;
  for (auto& l : linktypes) lt.emplace_back(l);
  finding.capture["link_types"] = std::move(lt);
  if (!warnings.empty()) finding.capture["warnings"] = std::move(warnings);
  return finding;
}

Result<Finding> analyze_interface(const std::string& interface, std::chrono::milliseconds duration,
                                  const std::string& filter, const AnalysisOptions& options) {
  auto source = PacketSource::open_live(interface, 512);
  if (!source) return source.error();
  if (!filter.empty())
    if (Status s = source->set_filter(filter); !s) return s.error();
  int linktype = source->linktype();
  if (!linktype_supported(linktype))
    return bad_input("interface " + interface + " has link type " + source->linktype_name() + ", which is not decoded");
  TrafficTally tally(options.limits);
  DecodedPacket decoded;
  PacketView view;
  auto start = std::chrono::steady_clock::now();
  auto end = start + duration;
  std::uint64_t n = 0;
  bool stopped = false;
  while (std::chrono::steady_clock::now() < end) {
    if (options.context && options.context->should_stop()) {
      stopped = true;
      break;
    }
    auto next = source->next(view);
    if (!next) return next.error();
    if (*next == PacketSource::Next::end) break;
    if (*next == PacketSource::Next::packet) {
      count(tally, linktype, view, decoded);
      ++n;
    }
    if (options.context && options.context->progress && n % 4096 == 1) {
      auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
      options.context->progress->progress(static_cast<std::uint64_t>(elapsed),
                                          static_cast<std::uint64_t>(duration.count() / 1000), "s",
                                          std::to_string(n) + " packets on " + interface);
    }
  }
  if (stopped && options.context && options.context->interrupted && options.context->interrupted->load())
    return interruption("live analysis on " + interface + " interrupted after " + std::to_string(n) + " packets");
  Finding finding = conclude(tally, options.thresholds);
  finding.capture = capture_summary(tally);
  finding.capture["interface"] = interface;
  finding.capture["link_types"] = json::array{source->linktype_name()};
  if (!filter.empty()) finding.capture["filter"] = filter;
  if (auto stats = source->live_stats()) {
    finding.capture["kernel_drops"] = stats->kernel_drops;
    finding.capture["interface_drops"] = stats->interface_drops;
  }
  return finding;
}

}  // namespace responder::traffic
