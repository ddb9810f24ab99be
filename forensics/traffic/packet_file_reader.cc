#include "forensics/traffic/packet_file_reader.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "forensics/traffic/packet_decoder.h"

namespace responder::traffic {
namespace {

constexpr std::uint32_t kMagicMicroseconds = 0xa1b2c3d4u, kMagicNanoseconds = 0xa1b23c4du;
constexpr std::size_t kFileHeader = 24;
// libpcap's largest sane record for every link type the decoder reads
// (MAXIMUM_SNAPLEN); `attach` declines the others.
constexpr std::uint32_t kMaximumCaptured = 262144;

}  // namespace

PacketFileReader::PacketFileReader(int fd, std::uint32_t snapshot, bool nanoseconds)
    : fd_(fd), snapshot_(snapshot), nanoseconds_(nanoseconds), buffer_(new std::uint8_t[kBufferSize]),
      file_offset_(kFileHeader) {}

std::optional<PacketFileReader> PacketFileReader::attach(pcap* handle) {
  FILE* stream = pcap_file(handle);
  if (!stream || pcap_is_swapped(handle) || pcap_major_version(handle) != 2 || pcap_minor_version(handle) != 4)
    return std::nullopt;
  if (!linktype_supported(pcap_datalink(handle))) return std::nullopt;
  int snapshot = pcap_snapshot(handle);
  if (snapshot <= 0 || static_cast<std::uint32_t>(snapshot) > kMaximumCaptured) return std::nullopt;
  int fd = fileno(stream);
  struct stat info {};
  if (fd < 0 || ::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  std::uint32_t magic = 0;
  if (::pread(fd, &magic, sizeof magic, 0) != static_cast<ssize_t>(sizeof magic)) return std::nullopt;
  if (magic != kMagicMicroseconds && magic != kMagicNanoseconds) return std::nullopt;  // pcapng, swapped, modified
  // Read ahead generously: the file is read once, front to back.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return PacketFileReader(fd, static_cast<std::uint32_t>(snapshot), magic == kMagicNanoseconds);
}

bool PacketFileReader::refill(std::size_t wanted) {
  if (available_ - at_ >= wanted) return true;
  // Keep the unread tail, move it to the front, read behind it.
  std::memmove(buffer_.get(), buffer_.get() + at_, available_ - at_);
  available_ -= at_;
  at_ = 0;
  while (available_ < wanted && !eof_) {
    ssize_t got = ::pread(fd_, buffer_.get() + available_, kBufferSize - available_, static_cast<off_t>(file_offset_));
    if (got < 0) {
      if (errno == EINTR) continue;
      error_ = std::string("error reading dump file: ") + std::strerror(errno);
      return false;
    }
    if (got == 0) eof_ = true;
    available_ += static_cast<std::size_t>(got);
    file_offset_ += static_cast<std::uint64_t>(got);
  }
  return true;
}

// Everything the inline path leaves: buffer boundaries, the end of the file,
// and the records libpcap treats specially, with libpcap's messages.
PacketFileReader::Next PacketFileReader::next_slow(PacketView& view) {
  if (!refill(kRecordHeader)) return Next::error;
  std::size_t have = available_ - at_;
  if (have == 0) return Next::end;
  if (have < kRecordHeader) {
    error_ = "truncated dump file; tried to read " + std::to_string(kRecordHeader) + " header bytes, only got " +
             std::to_string(have);
    return Next::error;
  }
  std::uint32_t captured = load32(buffer_.get() + at_ + 8);
  if (captured > kMaximumCaptured) {
    error_ = "invalid packet capture length " + std::to_string(captured) +
             (captured > snapshot_ ? ", bigger than snaplen of " + std::to_string(snapshot_)
                                   : ", bigger than maximum of " + std::to_string(kMaximumCaptured));
    return Next::error;
  }
  if (!refill(kRecordHeader + captured)) return Next::error;
  have = available_ - at_ - kRecordHeader;
  // A record longer than the file's snapshot length: libpcap hands out the
  // first `snapshot` bytes and skips the rest.
  std::uint32_t handed = captured > snapshot_ ? snapshot_ : captured;
  if (have < handed) {
    error_ = "truncated dump file; tried to read " + std::to_string(handed) + " captured bytes, only got " + std::to_string(have);
    return Next::error;
  }
  if (have < captured) {
    error_ = "truncated dump file; tried to read " + std::to_string(captured) + " captured bytes, only got " + std::to_string(have);
    return Next::error;
  }
  fill(view, buffer_.get() + at_, handed);
  at_ += kRecordHeader + captured;
  return Next::packet;
}

}  // namespace responder::traffic
