#include "forensics/traffic/fragmented_datagrams.h"

#include <algorithm>
#include <bit>
#include <cstdint>

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

FragmentedDatagrams::Slot* FragmentedDatagrams::slot_for(const DecodedPacket& p, Micros time, bool may_displace_first,
                                                         bool& fresh) {
  if (!slots_) {
    tags_ = std::make_unique<std::uint32_t[]>(capacity());
    slots_ = std::make_unique<Slot[]>(capacity());
  }
  auto [bucket, tag] = locate(p);
  std::uint32_t* tags = &tags_[bucket * ways_];
  Slot* slots = &slots_[bucket * ways_];
  for (std::size_t i = 0; i < ways_; ++i)
    if (tags[i] == tag && same_datagram(slots[i], p)) {
      fresh = expired(slots[i], time);
      if (fresh) {
        // The id came round again after its lifetime: a new datagram.
        slots[i].first_seen = false;
        slots[i].held_packets = slots[i].held_bytes = 0;
        slots[i].seen = time;
      }
      return &slots[i];
    }
  // An empty slot, else one whose datagram is over, else the oldest (among
  // those that only hold later fragments, when a first may not be pushed out).
  std::size_t chosen = ways_;
  for (std::size_t i = 0; i < ways_; ++i) {
    if (tags[i] == 0 || expired(slots[i], time)) {
      chosen = i;
      break;
    }
    if (!may_displace_first && slots[i].first_seen) continue;
    if (chosen == ways_ || slots[i].seen < slots[chosen].seen) chosen = i;
  }
  if (chosen == ways_) return nullptr;
  if (tags[chosen] == 0) ++used_;
  else if (!expired(slots[chosen], time)) ++displaced_;
  tags[chosen] = tag;
  Slot& slot = slots[chosen];
  slot = Slot{};
  slot.source = p.source;
  slot.destination = p.destination;
  slot.id = p.fragment_id;
  slot.protocol = key_protocol(p);
  slot.seen = time;
  fresh = true;
  return &slot;
}

FragmentedDatagrams::Held FragmentedDatagrams::remember(const DecodedPacket& first, Micros time) {
  if (buckets_ == 0) return {};
  bool fresh = false;
  Slot& slot = *slot_for(first, time, true, fresh);
  Held held;
  if (!fresh && !slot.first_seen) held = Held{slot.held_packets, slot.held_bytes};
  slot.first_seen = true;
  slot.held_packets = slot.held_bytes = 0;
  slot.seen = time;
  slot.header = DatagramHeader{first.transport, first.tcp_flags, first.icmp_type, first.icmp_code,
                               first.source_port, first.destination_port, first.has_ports};
  return held;
}

void FragmentedDatagrams::hold(const DecodedPacket& later, Micros time, std::uint32_t bytes) {
  if (buckets_ == 0) return;
  bool fresh = false;
  // Datagrams whose first fragment came are worth more than held pieces: a
  // flood of orphan fragments never pushes them out.
  Slot* slot = slot_for(later, time, false, fresh);
  if (!slot || slot->first_seen) return;  // no room, or its first came and went
  if (slot->held_packets != UINT32_MAX) ++slot->held_packets;
  slot->held_bytes = slot->held_bytes > UINT32_MAX - bytes ? UINT32_MAX : slot->held_bytes + bytes;
}

const DatagramHeader* FragmentedDatagrams::find(const DecodedPacket& later, Micros time) const {
  if (!slots_) return nullptr;
  auto [bucket, tag] = locate(later);
  const std::uint32_t* tags = &tags_[bucket * ways_];
  const Slot* slots = &slots_[bucket * ways_];
  for (std::size_t i = 0; i < ways_; ++i)
    if (tags[i] == tag && same_datagram(slots[i], later))
      return expired(slots[i], time) || !slots[i].first_seen ? nullptr : &slots[i].header;
  return nullptr;
}

}  // namespace responder::traffic
