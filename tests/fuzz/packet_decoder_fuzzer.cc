// One captured frame, any bytes: the first byte picks the link type, the rest
// is the frame. The decoder must stay inside `caplen`, and what it hands on
// as payload must lie inside the frame.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <pcap/dlt.h>

#include "forensics/traffic/packet_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static constexpr int kLinktypes[] = {DLT_EN10MB, DLT_LINUX_SLL, 276 /* SLL2 */, DLT_RAW, DLT_IPV4, DLT_IPV6,
                                       DLT_NULL,   DLT_LOOP,      101,            12,      14};
  if (size < 1 || size > 65536 + 1) return -1;
  int linktype = kLinktypes[data[0] % std::size(kLinktypes)];
  // An exact-size copy, so that AddressSanitizer sees the first byte past the frame.
  std::vector<std::uint8_t> frame(data + 1, data + size);
  responder::traffic::DecodedPacket packet;
  bool ip = responder::traffic::decode_packet(linktype, frame.data(), static_cast<std::uint32_t>(frame.size()), packet);
  if (ip != packet.is_ip) std::abort();
  if (packet.payload) {
    const std::uint8_t* end = frame.data() + frame.size();
    if (packet.payload < frame.data() || packet.payload > end || packet.captured_payload > static_cast<std::size_t>(end - packet.payload))
      std::abort();
    if (packet.captured_payload > packet.payload_length) std::abort();
  }
  return 0;
}
