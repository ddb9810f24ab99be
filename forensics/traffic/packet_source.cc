#include "forensics/traffic/packet_source.h"

#include <pcap/pcap.h>

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "forensics/traffic/packet_file_reader.h"

namespace responder::traffic {
namespace {

// pcapng timestamps are 64-bit in units the file chooses, so libpcap can hand
// out seconds far beyond any real capture. Clamped to what a
// std::chrono::system_clock time point holds (the years 1678 to 2262), every
// reader can turn a packet's time into one, and subtract two of them.
std::int64_t microseconds(std::int64_t seconds, std::int64_t fraction) {
  using std::chrono::system_clock;
  constexpr std::int64_t kLast =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::max()).count() - 1;
  constexpr std::int64_t kFirst =
      std::chrono::duration_cast<std::chrono::seconds>(system_clock::duration::min()).count() + 1;
  return std::clamp(seconds, kFirst, kLast) * 1000000 + fraction;
}

}  // namespace

PacketSource::PacketSource(pcap* handle, std::string name, bool live) : handle_(handle), name_(std::move(name)), live_(live) {}

PacketSource::PacketSource(PacketSource&& other) noexcept
    : handle_(std::exchange(other.handle_, nullptr)), reader_(std::move(other.reader_)), name_(std::move(other.name_)),
      live_(other.live_) {}

PacketSource& PacketSource::operator=(PacketSource&& other) noexcept {
  if (this != &other) {
    reader_.reset();
    if (handle_) pcap_close(handle_);
    handle_ = std::exchange(other.handle_, nullptr);
    reader_ = std::move(other.reader_);
    name_ = std::move(other.name_);
    live_ = other.live_;
  }
  return *this;
}

PacketSource::~PacketSource() {
  reader_.reset();  // reads the handle's descriptor: goes first
  if (handle_) pcap_close(handle_);
}

Result<PacketSource> PacketSource::open_file(const std::filesystem::path& file) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_open_offline_with_tstamp_precision(file.c_str(), PCAP_TSTAMP_PRECISION_MICRO, error);
  if (!handle) return bad_input("cannot read capture " + file.string() + ": " + error);
  PacketSource source(handle, file.string(), false);
  if (auto reader = PacketFileReader::attach(handle)) source.reader_ = std::make_unique<PacketFileReader>(std::move(*reader));
  return source;
}

Result<PacketSource> PacketSource::open_live(const std::string& interface, int snaplen) {
  char error[PCAP_ERRBUF_SIZE] = {};
  pcap_t* handle = pcap_create(interface.c_str(), error);
  if (!handle) return failure("cannot open interface " + interface + ": " + error);
  PacketSource source(handle, interface, true);
  pcap_set_snaplen(handle, snaplen);
  pcap_set_promisc(handle, 0);
  pcap_set_timeout(handle, 100);
  pcap_set_buffer_size(handle, 16 * 1024 * 1024);
  int status = pcap_activate(handle);
  if (status < 0) {
    std::string why = pcap_statustostr(status);
    std::string detail = pcap_geterr(handle);
    if (status == PCAP_ERROR_NO_SUCH_DEVICE) return bad_input("no interface named " + interface + ": " + detail);
    if (status == PCAP_ERROR_PERM_DENIED) return failure("not allowed to capture on " + interface + " (needs root or CAP_NET_RAW): " + detail);
    return failure("cannot capture on " + interface + ": " + why + (detail.empty() ? "" : ": " + detail));
  }
  // With TPACKET_V3 the read timeout only runs once a packet has arrived, so
  // a quiet interface would block a blocking read forever; read without
  // blocking and wait in poll(2) with our own timeout instead.
  if (pcap_setnonblock(handle, 1, error) != 0) return failure("cannot make the capture on " + interface + " non-blocking: " + error);
  return source;
}

Status PacketSource::set_filter(const std::string& filter) {
  bpf_program program{};
  if (pcap_compile(handle_, &program, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0)
    return bad_input("BPF filter \"" + filter + "\" does not compile: " + pcap_geterr(handle_));
  int set = pcap_setfilter(handle_, &program);
  pcap_freecode(&program);
  if (set != 0) return failure("cannot apply BPF filter \"" + filter + "\" on " + name_ + ": " + pcap_geterr(handle_));
  return {};
}

Result<PacketSource::Next> PacketSource::next(PacketView& view) {
  if (reader_) {
    switch (reader_->next(view)) {
      case PacketFileReader::Next::packet: return Next::packet;
      case PacketFileReader::Next::end: return Next::end;
      case PacketFileReader::Next::error: return failure("error reading " + name_ + ": " + reader_->error_message());
    }
  }
  pcap_pkthdr* header = nullptr;
  const u_char* data = nullptr;
  int r = pcap_next_ex(handle_, &header, &data);
  if (r == 1) {
    view.data = data;
    view.captured = header->caplen;
    view.wire_length = header->len;
    view.time_us = microseconds(header->ts.tv_sec, header->ts.tv_usec);
    return Next::packet;
  }
  if (r == 0) {
    if (live_) {
      pollfd waiting{pcap_get_selectable_fd(handle_), POLLIN, 0};
      if (waiting.fd >= 0) ::poll(&waiting, 1, 100);
    }
    return Next::timeout;
  }
  if (r == PCAP_ERROR_BREAK) return Next::end;
  // A truncated last record is common in captures cut short; what was read stands.
  return failure("error reading " + name_ + ": " + pcap_geterr(handle_));
}

int PacketSource::linktype() const { return pcap_datalink(handle_); }

std::string PacketSource::linktype_name() const {
  const char* name = pcap_datalink_val_to_name(linktype());
  return name ? name : "DLT " + std::to_string(linktype());
}

std::uint64_t PacketSource::position() const {
  if (live_) return 0;
  if (reader_) return reader_->position();
  FILE* f = pcap_file(handle_);
  if (!f) return 0;
  long at = std::ftell(f);
  return at > 0 ? static_cast<std::uint64_t>(at) : 0;
}

Result<LiveCaptureStats> PacketSource::live_stats() const {
  pcap_stat stat{};
  if (pcap_stats(handle_, &stat) != 0) return failure("cannot read capture counters of " + name_ + ": " + pcap_geterr(handle_));
  return LiveCaptureStats{stat.ps_recv, stat.ps_drop, stat.ps_ifdrop};
}

}  // namespace responder::traffic
