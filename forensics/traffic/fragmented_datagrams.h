// Which datagram an IP fragment belongs to, so that the fragments after the
// first, which carry no transport header, count as the traffic their first
// fragment showed: big amplified answers (DNSSEC, CLDAP, memcached) arrive
// in fragments, and only the first names the reflector's source port.
//
// A first fragment (offset 0, more to come) is remembered under the key IP
// reassembles by: source, destination, protocol and identification (16 bits
// in IPv4, the fragment header's 32 bits in IPv6). A later fragment finds
// its datagram when the first fragment came before it. Senders and networks
// also deliver the later ones first (Linux sends a datagram's fragments
// last first): those are held, counted, under the same key, and handed to
// the first fragment when it comes, so the datagram is counted whole either
// way. One whose datagram was forgotten stays a plain fragment.
//
// Memory is fixed whatever the capture holds: `capacity` slots of 64 bytes
// and a 4-byte tag each (about 2.1 MiB at the default 32768), allocated when
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

  // Later fragments that came before their first: what they add to its
  // datagram's volume.
  struct Held {
    std::uint32_t packets = 0;
    std::uint64_t bytes = 0;
  };
  // Remembers the datagram that `first` (a fragment at offset 0) opens, and
  // returns the later fragments held for it. A datagram already remembered
  // under the same key with its first fragment is replaced, since the
  // sender has reused its id.
  Held remember(const DecodedPacket& first, Micros time);
  // Holds `later` (`bytes` on the wire), whose first fragment has not come,
  // until it does.
  void hold(const DecodedPacket& later, Micros time, std::uint32_t bytes);
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
    bool first_seen = false;  // else it holds later fragments only
    DatagramHeader header;
    std::uint32_t held_packets = 0, held_bytes = 0;  // saturating
  };
  static_assert(sizeof(Slot) == 64, "the memory figure above counts 64-byte slots");
  // The slot for `p`'s datagram in its bucket, taking an empty, finished or
  // else the oldest one when it has none (never one whose first fragment
  // came, unless `may_displace_first`); `fresh` says it was taken. Null when
  // there is no room.
  Slot* slot_for(const DecodedPacket& p, Micros time, bool may_displace_first, bool& fresh);
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
