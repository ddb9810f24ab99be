#include "responder/drill/lab_capture.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>

#include "forensics/traffic/packet_source.h"

namespace responder::drill {

Result<std::unique_ptr<LabCapture>> LabCapture::start(int netns_fd, const std::filesystem::path& file) {
  std::unique_ptr<LabCapture> capture(new LabCapture);
  std::promise<std::string> opened;
  auto ready = opened.get_future();
  LabCapture* self = capture.get();
  capture->thread_ = std::jthread([self, netns_fd, file, opened = std::move(opened)]() mutable {
    // Only this thread moves into the victim's network namespace; it
    // never leaves it, and ends with the capture.
    if (::setns(netns_fd, CLONE_NEWNET) != 0) {
      opened.set_value(std::string("cannot enter the victim's network namespace: ") + std::strerror(errno));
      return;
    }
    auto source = traffic::PacketSource::open_live("any", 262144);
    if (!source) {
      opened.set_value(source.error().message);
      return;
    }
    pcap_dumper_t* dumper = pcap_dump_open(source->handle(), file.c_str());
    if (!dumper) {
      opened.set_value("cannot write " + file.string() + ": " + pcap_geterr(source->handle()));
      return;
    }
    // The attack's processes start while this capture runs: they must not
    // inherit its socket or its file.
    for (int fd : {pcap_get_selectable_fd(source->handle()), ::fileno(pcap_dump_file(dumper))})
      if (fd >= 0) ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
    opened.set_value({});
    traffic::PacketView view;
    // A flood fills a disk fast at full snap length: the capture ends at
    // 512 MiB, which holds minutes of any drill's attack.
    constexpr std::uint64_t kMaxBytes = std::uint64_t{512} << 20;
    std::uint64_t written = 24;
    while (!self->stopping_ && written < kMaxBytes) {
      auto next = source->next(view);
      if (!next) {
        self->error_ = next.error().message;
        break;
      }
      if (*next == traffic::PacketSource::Next::end) break;
      if (*next != traffic::PacketSource::Next::packet) continue;
      pcap_pkthdr header{};
      header.ts.tv_sec = static_cast<time_t>(view.time_us / 1000000);
      header.ts.tv_usec = static_cast<suseconds_t>(view.time_us % 1000000);
      header.caplen = view.captured;
      header.len = view.wire_length;
      pcap_dump(reinterpret_cast<u_char*>(dumper), &header, view.data);
      written += 16 + view.captured;
      ++self->packets_;
    }
    if (pcap_dump_flush(dumper) != 0 && self->error_.empty()) self->error_ = "cannot write " + file.string();
    pcap_dump_close(dumper);
  });
  std::string why = ready.get();
  if (!why.empty()) {
    capture->stopped_ = true;
    return failure("cannot capture the lab's traffic: " + why);
  }
  return capture;
}

Result<std::uint64_t> LabCapture::stop() {
  if (!stopped_) {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    stopped_ = true;
  }
  if (!error_.empty()) return failure("the lab capture failed: " + error_);
  return packets_.load();
}

LabCapture::~LabCapture() { (void)stop(); }

}  // namespace responder::drill
