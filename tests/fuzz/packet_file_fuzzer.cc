// A whole capture file (classic pcap or pcapng, any bytes) through the path
// `responder analyze` takes: libpcap opens it, PacketFileReader or libpcap
// reads the records, the decoder, tally and detection run over them. The
// bytes go to a memfd so that the reader's pread path runs as on a real file.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "forensics/traffic/traffic_analysis.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const int fd = ::memfd_create("capture.pcap", MFD_CLOEXEC);
  if (fd < 0) std::abort();
  if (size > (1u << 20)) return -1;
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) std::abort();
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  // Tight limits on every other length, so that a few packets reach the
  // tally's saturation paths too.
  responder::traffic::AnalysisOptions options;
  if (size % 2 == 0) options.limits = {4, 2, 2, 1, 4, 2};
  (void)responder::traffic::analyze_captures({path}, options);
  return 0;
}
