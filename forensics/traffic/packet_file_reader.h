// Reading the records of a classic pcap file straight from large reads.
//
// libpcap reads a savefile through stdio: two fread calls a record, each
// copying from a 4 KiB buffer filled by one read(2). On a capture of
// millions of small packets that costs about as much as the whole analysis.
// This reader does what libpcap's record loop does, on 1 MiB reads, and
// hands out pointers into its buffer.
//
// It serves only what it can serve exactly like libpcap: a regular file in
// the classic format, version 2.4, written in this host's byte order, with
// microsecond or nanosecond timestamps (nanoseconds are cut to microseconds
// as libpcap does when opened for microsecond precision). Anything else
// (pcapng, byte-swapped files, pipes) stays with libpcap; `attach` says so
// by returning nothing. Record errors carry libpcap's wording.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>

#include "forensics/traffic/packet_source.h"

struct pcap;

namespace responder::traffic {

class PacketFileReader {
 public:
  enum class Next { packet, end, error };

  // A reader for the file behind `handle` (opened by pcap_open_offline, its
  // file header already read and checked), or nothing when libpcap should
  // keep reading it. The reader reads the descriptor with pread(2) from the
  // first record on and never touches the handle's stdio stream, so the
  // handle still owns and closes the file.
  static std::optional<PacketFileReader> attach(pcap* handle);

  // The next record. `view` points into the reader's buffer and stays valid
  // until the next call. After `error`, `error_message` says why.
  Next next(PacketView& view) {
    if (available_ - at_ >= kRecordHeader) {
      const std::uint8_t* header = buffer_.get() + at_;
      std::uint32_t captured = load32(header + 8);
      if (captured <= snapshot_ && available_ - at_ - kRecordHeader >= captured) {
        fill(view, header, captured);
        at_ += kRecordHeader + captured;
        return Next::packet;
      }
    }
    return next_slow(view);
  }
  const std::string& error_message() const { return error_; }
  // Bytes of the file consumed so far.
  std::uint64_t position() const { return file_offset_ - (available_ - at_); }

 private:
  static constexpr std::size_t kRecordHeader = 16;
  static constexpr std::size_t kBufferSize = std::size_t{1} << 20;

  PacketFileReader(int fd, std::uint32_t snapshot, bool nanoseconds);
  static std::uint32_t load32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);  // host order: `attach` took only native files
    return v;
  }
  void fill(PacketView& view, const std::uint8_t* header, std::uint32_t captured) const {
    // As libpcap: seconds and sub-seconds are signed 32-bit in the file.
    auto seconds = static_cast<std::int32_t>(load32(header));
    auto fraction = static_cast<std::int32_t>(load32(header + 4));
    if (nanoseconds_) fraction /= 1000;
    view.data = header + kRecordHeader;
    view.captured = captured;
    view.wire_length = load32(header + 12);
    view.time_us = static_cast<std::int64_t>(seconds) * 1000000 + fraction;
  }
  Next next_slow(PacketView& view);
  // Reads until at least `wanted` bytes follow `at_`, or the file ends;
  // false on a read error.
  bool refill(std::size_t wanted);

  int fd_;
  std::uint32_t snapshot_;  // libpcap's adjusted snapshot length for the file
  bool nanoseconds_;
  std::unique_ptr<std::uint8_t[]> buffer_;
  std::size_t at_ = 0, available_ = 0;
  std::uint64_t file_offset_;  // where the next read starts
  bool eof_ = false;
  std::string error_;
};

}  // namespace responder::traffic
