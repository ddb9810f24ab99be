// traffic.capture: packets from an interface into the incident's evidence
// store. The file is written in the store's staging area, then handed to
// add_evidence_file, which hashes, fsyncs, records and seals it. Nothing to
// undo: evidence is never removed.
#include <pcap/pcap.h>

#include <stdlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "forensics/evidence/evidence_store.h"
#include "forensics/traffic/packet_source.h"
#include "responder/clock.h"
#include "responder/duration.h"
#include "responder/record_module.h"

namespace responder::traffic {
using namespace responder::evidence;
namespace {

Result<Duration> capture_duration(const json::object& params) {
  return duration_param(params, "duration", std::chrono::seconds(60));
}

std::uint64_t int_param(const json::object& params, const char* key, std::uint64_t fallback) {
  auto* v = params.if_contains(key);
  return v && v->is_int64() ? static_cast<std::uint64_t>(v->get_int64()) : fallback;
}

class TrafficCapture final : public RecordModule {
 public:
  TrafficCapture() : RecordModule("capture is in the evidence store", "no capture recorded") {}
  std::string_view name() const override { return "traffic.capture"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    PlanResult plan;
    std::string interface(params.at("interface").as_string());
    std::string filter = params.contains("filter") ? std::string(params.at("filter").as_string()) : "";
    if (!filter.empty()) {
      // Compiled now, so that a typo is bad input before anything runs.
      pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);
      bpf_program program{};
      bool ok = pcap_compile(dead, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) == 0;
      std::string why = ok ? "" : pcap_geterr(dead);
      if (ok) pcap_freecode(&program);
      pcap_close(dead);
      if (!ok) return bad_input("BPF filter \"" + filter + "\" does not compile: " + why);
    }
    auto d = capture_duration(params);
    if (!d) return d.error();
    plan.detail["interface"] = interface;
    plan.changes.push_back("captures on " + interface + (filter.empty() ? "" : " (filter: " + filter + ")") + " for up to " +
                           format_duration(*d) + " into the evidence store; changes nothing on the system");
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    std::string interface(params.at("interface").as_string());
    std::string filter = params.contains("filter") ? std::string(params.at("filter").as_string()) : "";
    auto duration = capture_duration(params);
    if (!duration) return duration.error();
    std::uint64_t max_packets = int_param(params, "max_packets", 0);
    std::uint64_t max_bytes = int_param(params, "max_bytes", 0);
    int snaplen = static_cast<int>(int_param(params, "snaplen", 262144));
    if (context.incident_dir.empty() && !context.evidence_relay)
      return bad_input("traffic.capture needs an incident to keep the capture in");

    auto source = PacketSource::open_live(interface, snaplen);
    if (!source) return source.error();
    if (!filter.empty())
      if (Status s = source->set_filter(filter); !s) return s.error();

    // On a far side the capture belongs to the controller's store: it is
    // written in a private directory here (pcap needs a file) and streamed
    // there when it ends; the directory goes with the step.
    std::filesystem::path staging;
    struct RemovedAtEnd {
      std::filesystem::path dir;
      ~RemovedAtEnd() {
        std::error_code ignored;
        if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
      }
    } private_staging;
    if (context.evidence_relay) {
      std::string templ = "/var/tmp/responder-capture-XXXXXX";
      if (!::mkdtemp(templ.data()))
        return failure("cannot create a directory for the capture in /var/tmp: " + std::string(std::strerror(errno)));
      staging = private_staging.dir = templ;
    } else {
      staging = evidence_dir(context.incident_dir) / "staging";
    }
    std::error_code ec;
    std::filesystem::create_directories(staging, ec);
    if (ec) return failure("cannot create " + staging.string() + ": " + ec.message());
    std::string file_name = "capture-" + interface + "-" + context.step_id + ".pcap";
    std::filesystem::path staged = staging / file_name;
    pcap_dumper_t* dumper = pcap_dump_open(source->handle(), staged.c_str());
    if (!dumper) return failure("cannot write " + staged.string() + ": " + pcap_geterr(source->handle()));

    std::string started = now_rfc3339();
    auto start = std::chrono::steady_clock::now();
    auto end = start + *duration;
    std::uint64_t packets = 0, bytes = 24;  // the pcap file header
    std::string stop_reason = "duration reached";
    PacketView view;
    bool interrupted = false;
    auto total_s = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(*duration).count());
    // By the clock, also while no packet comes: time gone and left, with
    // what was caught so far.
    auto report = [&](std::chrono::steady_clock::time_point now) {
      if (!context.progress) return;
      auto gone = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(now - start).count());
      context.progress->progress(std::min(gone, total_s), total_s, "s",
                                 std::to_string(packets) + " packets, " + std::to_string(bytes) + " bytes from " + interface + "; " +
                                     std::to_string(total_s > gone ? total_s - gone : 0) + " s left");
    };
    auto last_report = start;
    while (true) {
      auto now = std::chrono::steady_clock::now();
      if (now >= end) break;
      if (now - last_report >= std::chrono::seconds(1)) {
        report(now);
        last_report = now;
      }
      if (context.should_stop()) {
        interrupted = context.interrupted && context.interrupted->load();
        stop_reason = interrupted ? "interrupted" : "step timeout";
        break;
      }
      auto next = source->next(view);
      if (!next) {
        pcap_dump_close(dumper);
        return next.error();
      }
      if (*next == PacketSource::Next::end) break;
      if (*next != PacketSource::Next::packet) continue;
      pcap_pkthdr header{};
      header.ts.tv_sec = view.time_us / 1000000;
      header.ts.tv_usec = view.time_us % 1000000;
      header.caplen = view.captured;
      header.len = view.wire_length;
      pcap_dump(reinterpret_cast<u_char*>(dumper), &header, view.data);
      ++packets;
      bytes += 16 + view.captured;
      if (max_packets && packets >= max_packets) {
        stop_reason = "max_packets reached";
        break;
      }
      if (max_bytes && bytes >= max_bytes) {
        stop_reason = "max_bytes reached";
        break;
      }
    }
    auto stats = source->live_stats();
    if (pcap_dump_flush(dumper) != 0) {
      pcap_dump_close(dumper);
      return failure("cannot flush " + staged.string());
    }
    pcap_dump_close(dumper);
    std::string finished = now_rfc3339();

    json::object metadata;
    metadata["source"] = "live capture on " + interface;
    metadata["interface"] = interface;
    metadata["filter"] = filter;
    metadata["snaplen"] = snaplen;
    metadata["link_type"] = source->linktype_name();
    metadata["packets"] = packets;
    metadata["started"] = started;
    metadata["finished"] = finished;
    metadata["stop_reason"] = stop_reason;
    if (stats) {
      metadata["kernel_received"] = stats->received;
      metadata["kernel_drops"] = stats->kernel_drops;
      metadata["interface_drops"] = stats->interface_drops;
    }
    auto item = add_evidence_file(context, staged, file_name, metadata, "libpcap live capture on " + interface);
    if (!item) {
      // What was caught is kept where it is, and said where.
      private_staging.dir.clear();
      return failure("capture written to " + staged.string() + " but not added to the evidence store: " + item.error().message);
    }

    Receipt receipt;
    receipt.output = metadata;
    receipt.output["evidence_id"] = item->id;
    // The controller's store when the capture was streamed there.
    receipt.output["path"] = context.evidence_relay ? "evidence/" + item->path : (evidence_dir(context.incident_dir) / item->path).string();
    receipt.output["sha256"] = item->sha256;
    receipt.output["size"] = item->size;
    receipt.changes.push_back("captured " + std::to_string(packets) + " packets on " + interface + " (" + stop_reason +
                              (stats ? ", " + std::to_string(stats->kernel_drops) + " dropped by the kernel" : "") +
                              ") into evidence item " + item->path);
    if (interrupted) return interruption("capture on " + interface + " interrupted; the part captured is evidence item " + item->path);
    return receipt;
  }

};

RESPONDER_MODULE(TrafficCapture);

}  // namespace
}  // namespace responder::traffic
