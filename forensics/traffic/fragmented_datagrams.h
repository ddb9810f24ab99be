// Which datagram an IP fragment belongs to, so that the fragments after the
// first, which carry no transport header, count as the traffic their first
// fragment showed: big amplified answers (DNSSEC, CLDAP, memcached) arrive
// in fragments, and only the first names the reflector's source port.
//
// A first fragment (offset 0, more to come) is remembered under the key IP
// reassembles by: source, destination, protocol and identification (16 bits
// in IPv4, the fragment header's 32 bits in IPv6). A later fragment finds
// its datagram only if the first fragment came before it; one that arrives
// earlier, or after its datagram was forgotten, stays a plain fragment.
//
// Memory is fixed whatever the capture holds: `capacity` slots of 56 bytes
// and a 4-byte tag each (about 2 MiB at the default 32768), allocated when
// the first fragment is seen, never grown. The table is set-associative: a
// datagram may only sit in one bucket of 8 slots, and a new one takes an
// empty slot there or displaces the bucket's oldest, so each fragment costs
// at most 8 tag compares. A flood of first fragments (or ids crafted to
// collide in one bucket) can only push out remembered datagrams, which then
// count as plain fragments, as they did before this table existed.
//
// A datagram is forgotten `lifetime` after its first fragment, in capture
// time, as Linux gives up an incomplete reassembly after ipfrag_time (30 s):
// by then the sender may reuse the id for another datagram.
#pragma once

#include <cstdint>
#include <memory>

#include "forensics/traffic/packet_decoder.h"

namespace responder::traffic {

using Micros = std::int64_t;  // microseconds since the epoch

// What a first fragment showed of its transport header.
struct DatagramHeader {
  Transport transport = Transport::other;
  std::uint8_t tcp_flags = 0;
  std::uint8_t icmp_type = 0, icmp_code = 0;
  std::uint16_t source_port = 0, destination_port = 0;
  bool has_ports = false;
};

class FragmentedDatagrams {
 public:
  static constexpr std::size_t kWays = 8;
  static constexpr std::size_t kDefaultCapacity = std::size_t{1} << 15;
  static constexpr Micros kDefaultLifetime = 30'000'000;

  // Holds at most `capacity` datagrams (rounded down to whole buckets; 0
  // remembers none).
  explicit FragmentedDatagrams(std::size_t capacity = kDefaultCapacity, Micros lifetime = kDefaultLifetime);

  // Remembers the datagram that `first` (a fragment at offset 0) opens; a
  // datagram already remembered under the same key is replaced, since the
  // sender has reused its id.
  void remember(const DecodedPacket& first, Micros time);
  // The header of the datagram `later` (a fragment at a non-zero offset)
  // belongs to; null when its first fragment was not seen, was displaced, or
  // is older than the lifetime at `time`.
  const DatagramHeader* find(const DecodedPacket& later, Micros time) const;

  std::size_t capacity() const { return buckets_ * ways_; }
  // Slots ever filled; never more than capacity().
  std::size_t size() const { return used_; }
  // Datagrams pushed out before their lifetime ended.
  std::uint64_t displaced() const { return displaced_; }

 private:
  struct Slot {
    PacketAddress source, destination;
    Micros seen = 0;
    std::uint32_t id = 0;
    std::uint8_t protocol = 0;
    DatagramHeader header;
  };
  static_assert(sizeof(Slot) == 56, "the memory figure above counts 56-byte slots");
  struct Lookup {
    std::size_t bucket;
    std::uint32_t tag;
  };
  Lookup locate(const DecodedPacket& p) const;
  // IPv6 reassembles by addresses and id alone: a first fragment's protocol
  // is the one after its extension headers, a later one's the fragment
  // header's Next Header, and the two differ when headers follow it.
  static std::uint8_t key_protocol(const DecodedPacket& p) { return p.source.is_ipv4() ? p.ip_protocol : 0; }
  bool same_datagram(const Slot& slot, const DecodedPacket& p) const {
    return slot.id == p.fragment_id && slot.protocol == key_protocol(p) && slot.source == p.source &&
           slot.destination == p.destination;
  }
  // Either way: capture time can go backwards (a clock stepped back, files
  // read out of order), and a datagram far in the future is as stale.
  bool expired(const Slot& slot, Micros time) const {
    return time - slot.seen > lifetime_ || slot.seen - time > lifetime_;
  }

  std::size_t ways_, buckets_;
  Micros lifetime_;
  std::size_t used_ = 0;
  std::uint64_t displaced_ = 0;
  // A slot's tag is 0 while it is empty; otherwise 32 bits of its key's hash
  // with the lowest set, compared before the key itself.
  std::unique_ptr<std::uint32_t[]> tags_;
  std::unique_ptr<Slot[]> slots_;
};

}  // namespace responder::traffic
