// An evidence bundle as legal staff receive it, any bytes: unpacked as
// `responder evidence verify BUNDLE.tar` does, then verified when it holds a
// manifest. Nothing may land outside the private destination directory.
#include <stdlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "forensics/evidence/evidence_verifier.h"
#include "forensics/evidence/tar_reader.h"

namespace {

// One private directory per process; each input unpacks into a fresh child.
const std::filesystem::path& base() {
  static const std::filesystem::path path = [] {
    std::string templ = std::filesystem::temp_directory_path() / "responder-tar-fuzz-XXXXXX";
    if (!::mkdtemp(templ.data())) std::abort();
    return std::filesystem::path(templ);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1u << 20)) return -1;
  auto destination = base() / "unpacked";
  std::filesystem::remove_all(destination);
  std::filesystem::create_directory(destination);
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  if (responder::evidence::extract_tar(in, "bundle.tar", destination)) {
    for (auto& entry : std::filesystem::directory_iterator(destination))
      if (entry.is_directory() && std::filesystem::exists(entry.path() / "manifest.json")) {
        responder::evidence::VerifyOptions options;
        options.check_write_once = false;
        (void)responder::evidence::verify_evidence(entry.path(), options);
      }
  }
  for (auto& entry : std::filesystem::directory_iterator(base()))
    if (entry.path() != destination) std::abort();  // a path escaped the destination
  std::filesystem::remove_all(destination);
  return 0;
}
