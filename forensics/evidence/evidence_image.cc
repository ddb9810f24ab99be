// evidence.image: a forensic image of a block device or file.
//
// The source is opened read-only and read once, front to back; each block is
// written to the image and hashed on two other threads while the next block
// is read, and written to the image on a third (evidence_writer.h: O_DIRECT
// where possible), so the image costs one read and one SHA-256 pass of time
// and a fixed 32 MiB of memory whatever its size. A block that
// cannot be read is retried sector by sector; sectors that still fail are
// zero-filled in the image and listed (offset, length, error) in the item's
// metadata, so the image keeps the source's layout and says exactly where
// it differs from it.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "forensics/evidence/evidence_file_metadata.h"
#include "forensics/evidence/evidence_image_reader.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/evidence_writer.h"
#include "responder/record_module.h"

namespace responder::evidence {
namespace {

struct Source {
  int fd = -1;
  std::uint64_t size = 0;
  bool device = false;
  struct statx st{};
};

Result<Source> open_source(const std::string& path) {
  Source s;
  s.fd = ::open(path.c_str(), O_RDONLY | O_NOATIME | O_CLOEXEC);
  if (s.fd < 0 && errno == EPERM) s.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (s.fd < 0) return failure(path + ": " + std::strerror(errno));
  statx_fd(s.fd, s.st);
  if (S_ISBLK(s.st.stx_mode)) {
    s.device = true;
    std::uint64_t bytes = 0;
    if (::ioctl(s.fd, BLKGETSIZE64, &bytes) != 0) {
      ::close(s.fd);
      return failure(path + ": cannot read the device size: " + std::strerror(errno));
    }
    s.size = bytes;
  } else if (S_ISREG(s.st.stx_mode)) {
    s.size = s.st.stx_size;
  } else {
    ::close(s.fd);
    return bad_input(path + " is neither a block device nor a regular file");
  }
  return s;
}

std::string image_name(const json::object& params) {
  if (auto* n = params.if_contains("name"); n && n->is_string()) return std::string(n->get_string());
  std::string source(params.at("source").get_string());
  return std::filesystem::path(source).filename().string() + ".img";
}

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) bytes /= 1024, ++u;
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", bytes, units[u]);
  return text;
}

class EvidenceImage final : public RecordModule {
 public:
  EvidenceImage() : RecordModule("the image is in the evidence", "no record of the image") {}
  std::string_view name() const override { return "evidence.image"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    std::string path(params.at("source").get_string());
    auto source = open_source(path);
    if (!source) return source.error();
    ::close(source->fd);
    PlanResult plan;
    plan.changes.push_back("image " + path + " (" + (source->device ? "block device, " : "file, ") +
                           human_bytes(static_cast<double>(source->size)) + ") read-only into the evidence as " +
                           image_name(params) + "; the source is not changed");
    plan.detail["size"] = source->size;
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    std::string path(params.at("source").get_string());
    auto source = open_source(path);
    if (!source) return source.error();
    int fd = source->fd;
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    auto writer = EvidenceWriter::begin(context, image_name(params), true, source->size);
    if (!writer) {
      ::close(fd);
      return writer.error();
    }
    json::array errors;
    std::uint64_t zero_filled = 0, offset = 0;
    auto started = std::chrono::steady_clock::now();
    auto last_report = started;
    for (;;) {
      if (context.should_stop()) {
        ::close(fd);
        return interruption("imaging " + path + " interrupted at " + human_bytes(static_cast<double>(offset)) +
                            "; nothing was recorded, run the step again");
      }
      // The image is of the source as it was measured when imaging began:
      // bounded by that size, so a source that errors everywhere (or grows)
      // still ends.
      auto block = (*writer)->block();
      std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(block.size(), source->size - offset));
      std::size_t n = want == 0 ? 0 : read_with_zero_fill(fd, block.data(), want, offset, errors, zero_filled);
      if (auto s = (*writer)->commit_block(n); !s) {
        ::close(fd);
        return s.error();
      }
      offset += n;
      auto now = std::chrono::steady_clock::now();
      if (context.progress && (now - last_report > std::chrono::milliseconds(500) || n == 0)) {
        last_report = now;
        double seconds = std::chrono::duration<double>(now - started).count();
        double rate = seconds > 0 ? static_cast<double>(offset) / seconds : 0;
        std::string note = human_bytes(rate) + "/s";
        if (rate > 0 && source->size > offset)
          note += ", " + std::to_string(static_cast<long long>(static_cast<double>(source->size - offset) / rate)) +
                  " s left";
        if (!errors.empty()) note += ", " + std::to_string(errors.size()) + " unreadable range(s) zero-filled";
        context.progress->progress(offset, source->size, "bytes", note);
      }
      if (n == 0) break;
    }
    struct statx after{};
    statx_fd(fd, after);
    ::close(fd);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

    json::object metadata = file_metadata(source->st);
    metadata["path"] = path;
    metadata["source_size"] = source->size;
    if (source->device)
      metadata["block_device"] = std::to_string(source->st.stx_rdev_major) + ":" + std::to_string(source->st.stx_rdev_minor);
    metadata["read_errors"] = errors;
    metadata["zero_filled_bytes"] = zero_filled;
    metadata["seconds"] = seconds;
    if (offset != source->size) metadata["source_ended_early_at"] = offset;
    if (!source->device && after.stx_size != source->size) metadata["source_size_after"] = static_cast<std::uint64_t>(after.stx_size);
    auto item = (*writer)->finish(path, metadata,
                                  "evidence.image: sequential read-only image, SHA-256 whole and per 64 MiB chunk "
                                  "while read; unreadable sectors zero-filled and listed");
    if (!item) return item.error();

    Receipt receipt;
    receipt.output["path"] = item->path;
    receipt.output["sha256"] = item->sha256;
    receipt.output["size"] = item->size;
    receipt.output["read_errors"] = errors.size();
    receipt.changes.push_back("imaged " + path + " (" + human_bytes(static_cast<double>(item->size)) + " in " +
                              std::to_string(static_cast<int>(seconds)) + " s) as " + item->path + ", SHA-256 " +
                              item->sha256);
    if (!errors.empty())
      receipt.changes.push_back("WARNING: " + std::to_string(errors.size()) + " unreadable range(s), " +
                                std::to_string(zero_filled) + " bytes zero-filled; listed in the item's metadata");
    if (item->write_once != "immutable") receipt.changes.push_back("WARNING: image write-once " + item->write_once);
    return receipt;
  }
};

RESPONDER_MODULE(EvidenceImage);

}  // namespace
}  // namespace responder::evidence
