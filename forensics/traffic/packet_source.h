// Where packets come from: a capture file (pcap or pcapng, through
// libpcap's pcap_open_offline) or a live interface. One handle, read one
// packet at a time, so that a file larger than memory streams through.
// Classic pcap files are opened and checked by libpcap but their records
// are read by PacketFileReader (packet_file_reader.h), which yields the same
// packets and errors several times faster.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "responder/result.h"

struct pcap;

namespace responder::traffic {

class PacketFileReader;

struct PacketView {
  const std::uint8_t* data = nullptr;
  std::uint32_t captured = 0;     // bytes in `data`
  std::uint32_t wire_length = 0;  // the frame's length on the wire
  // Microseconds since the epoch, within what a std::chrono::system_clock
  // time point holds (the years 1678 to 2262).
  std::int64_t time_us = 0;
};

struct LiveCaptureStats {
  std::uint64_t received = 0;        // what the kernel handed to the filter
  std::uint64_t kernel_drops = 0;    // dropped for want of buffer space
  std::uint64_t interface_drops = 0; // dropped by the interface or its driver
};

class PacketSource {
 public:
  enum class Next { packet, timeout, end };

  // Opens a capture file. The error says which file and why.
  static Result<PacketSource> open_file(const std::filesystem::path& file);
  // Opens `interface` for a live capture of at most `snaplen` bytes a
  // packet; not promiscuous. Reads return `timeout` after at most 100 ms
  // without a packet, so that the caller can watch its clock and stop flags.
  static Result<PacketSource> open_live(const std::string& interface, int snaplen);

  PacketSource(PacketSource&&) noexcept;
  PacketSource& operator=(PacketSource&&) noexcept;
  ~PacketSource();

  // Applies a BPF filter; the error quotes the filter text and libpcap's reason.
  Status set_filter(const std::string& filter);
  // The next packet, or why there is none; errors name the source.
  Result<Next> next(PacketView& view);
  int linktype() const;
  std::string linktype_name() const;
  // Bytes of the file read so far (0 for live captures).
  std::uint64_t position() const;
  // Kernel counters of a live capture.
  Result<LiveCaptureStats> live_stats() const;
  pcap* handle() const { return handle_; }
  const std::string& name() const { return name_; }

 private:
  PacketSource(pcap* handle, std::string name, bool live);
  pcap* handle_ = nullptr;
  std::unique_ptr<PacketFileReader> reader_;  // set for classic pcap files
  std::string name_;
  bool live_ = false;
};

}  // namespace responder::traffic
