#include "forensics/traffic/fragmented_datagrams.h"

#include <algorithm>
#include <bit>

namespace responder::traffic {

FragmentedDatagrams::FragmentedDatagrams(std::size_t capacity, Micros lifetime)
    : ways_(std::min(kWays, capacity)),
      // A power of two, so that a bucket is picked by masking the hash.
      buckets_(ways_ ? std::bit_floor(capacity / ways_) : 0),
      lifetime_(lifetime) {}

FragmentedDatagrams::Lookup FragmentedDatagrams::locate(const DecodedPacket& p) const {
  // Fingerprints are the addresses themselves for IPv4; the full key is
  // compared on a tag match, so a fold of IPv6 addresses is enough here.
  std::uint64_t addresses = std::uint64_t{p.source.fingerprint32()} << 32 | p.destination.fingerprint32();
  std::uint64_t h = mix64(addresses ^ mix64(std::uint64_t{p.fragment_id} << 8 | key_protocol(p)));
  return {static_cast<std::size_t>(h) & (buckets_ - 1), static_cast<std::uint32_t>(h >> 32) | 1u};
}

void FragmentedDatagrams::remember(const DecodedPacket& first, Micros time) {
  if (buckets_ == 0) return;
  if (!slots_) {
    tags_ = std::make_unique<std::uint32_t[]>(capacity());
    slots_ = std::make_unique<Slot[]>(capacity());
  }
  auto [bucket, tag] = locate(first);
  std::uint32_t* tags = &tags_[bucket * ways_];
  Slot* slots = &slots_[bucket * ways_];
  std::size_t chosen = ways_;
  for (std::size_t i = 0; i < ways_ && chosen == ways_; ++i)
    if (tags[i] == tag && same_datagram(slots[i], first)) chosen = i;  // the sender reused the id
  if (chosen == ways_) {
    // An empty slot, else one whose datagram is over, else the oldest.
    chosen = 0;
    for (std::size_t i = 0; i < ways_; ++i) {
      if (tags[i] == 0 || expired(slots[i], time)) {
        chosen = i;
        break;
      }
      if (slots[i].seen < slots[chosen].seen) chosen = i;
    }
    if (tags[chosen] == 0) ++used_;
    else if (!expired(slots[chosen], time)) ++displaced_;
  }
  tags[chosen] = tag;
  Slot& slot = slots[chosen];
  slot.source = first.source;
  slot.destination = first.destination;
  slot.seen = time;
  slot.id = first.fragment_id;
  slot.protocol = key_protocol(first);
  slot.header = DatagramHeader{first.transport, first.tcp_flags, first.icmp_type, first.icmp_code,
                               first.source_port, first.destination_port, first.has_ports};
}

const DatagramHeader* FragmentedDatagrams::find(const DecodedPacket& later, Micros time) const {
  if (!slots_) return nullptr;
  auto [bucket, tag] = locate(later);
  const std::uint32_t* tags = &tags_[bucket * ways_];
  const Slot* slots = &slots_[bucket * ways_];
  for (std::size_t i = 0; i < ways_; ++i)
    if (tags[i] == tag && same_datagram(slots[i], later)) return expired(slots[i], time) ? nullptr : &slots[i].header;
  return nullptr;
}

}  // namespace responder::traffic
