#include "forensics/evidence/evidence_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "forensics/evidence/evidence_manifest.h"
#include "forensics/evidence/evidence_writer.h"

namespace responder::evidence {

std::filesystem::path evidence_dir(const std::filesystem::path& incident_dir) { return incident_dir / "evidence"; }

std::filesystem::path evidence_staging_dir(const std::filesystem::path& incident_dir) {
  return incident_dir / "evidence-staging";
}

bool evidence_sealed(const std::filesystem::path& evidence_directory) {
  std::error_code ec;
  return std::filesystem::exists(evidence_directory / "seal.json", ec);
}

Result<EvidenceItem> add_evidence_file(const StepContext& context, const std::filesystem::path& staged_file,
                                       const std::string& name, const json::object& metadata,
                                       const std::string& method) {
  std::string source = staged_file.string();
  if (auto* s = metadata.if_contains("source"); s && s->is_string()) source = std::string(s->get_string());

  // Same file system: rename in and hash by reading back, no second copy.
  // On a far side the store is the controller's: the file is streamed.
  if (!context.evidence_relay) {
    auto adopted = EvidenceWriter::adopt(context, staged_file, name, source, metadata, method);
    if (adopted || adopted.error().message.find("(errno " + std::to_string(EXDEV) + ")") == std::string::npos)
      return adopted;
  }

  // Another file system: copy, hashing the bytes as they are written.
  int in = ::open(staged_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return failure("cannot open " + staged_file.string() + ": " + std::strerror(errno));
  off_t size = ::lseek(in, 0, SEEK_END);
  ::lseek(in, 0, SEEK_SET);
  bool large = size > static_cast<off_t>(kEvidenceChunkSize);
  auto writer = EvidenceWriter::begin(context, name, large, large ? static_cast<std::uint64_t>(size) : 0);
  if (!writer) {
    ::close(in);
    return writer.error();
  }
  for (;;) {
    auto block = (*writer)->block();
    ssize_t n = ::read(in, block.data(), block.size());
    if (n < 0 && errno == EINTR) {
      if (auto s = (*writer)->commit_block(0); !s) break;
      continue;
    }
    if (n < 0) {
      Error e = failure("cannot read " + staged_file.string() + ": " + std::strerror(errno));
      (void)(*writer)->commit_block(0);
      ::close(in);
      return e;
    }
    if (auto s = (*writer)->commit_block(static_cast<std::size_t>(n)); !s) {
      ::close(in);
      return s.error();
    }
    if (n == 0) break;
  }
  ::close(in);
  auto item = (*writer)->finish(source, metadata, method);
  if (item) ::unlink(staged_file.c_str());
  return item;
}

}  // namespace responder::evidence
