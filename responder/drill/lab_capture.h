// What the victim's interfaces carried during the attack, written as a pcap
// file by libpcap from inside the victim's network namespace. This is what
// the playbook's analysis reads: the drill never tells it the answer. It
// stops by itself at 512 MiB.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>

#include "responder/result.h"

namespace responder::drill {

class LabCapture {
 public:
  // Starts capturing on every interface of network namespace `netns_fd`
  // (a descriptor of /proc/PID/ns/net, not taken over) into `file`. Returns
  // once the capture is open, or why not.
  static Result<std::unique_ptr<LabCapture>> start(int netns_fd, const std::filesystem::path& file);
  ~LabCapture();
  // Stops, flushes and closes the file; returns the packets written or the
  // error the capture met.
  Result<std::uint64_t> stop();

 private:
  LabCapture() = default;
  std::jthread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> packets_{0};
  std::string error_;
  bool stopped_ = false;
};

}  // namespace responder::drill
