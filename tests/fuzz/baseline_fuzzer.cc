// A baseline file's contents, any bytes: a baseline is read from wherever a
// responder kept it and may have been tampered with or cut short. The
// parser runs only after the signature check, but must never crash, hang or
// accept what it cannot stand behind: whatever it accepts has files sorted
// by path with absolute paths and the record count its header announced.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "forensics/baseline/signed_baseline_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto check = [](const responder::Result<responder::baseline::BaselineContents>& parsed) {
    if (!parsed) {
      if (parsed.error().kind != responder::ErrorKind::bad_input) std::abort();
      return;
    }
    std::uint64_t records = parsed->files.size();
    for (auto& [kind, by_key] : parsed->inventory) records += by_key.size();
    if (records != parsed->header.records) std::abort();
    for (std::size_t i = 0; i < parsed->files.size(); ++i) {
      if (parsed->files[i].path.empty() || parsed->files[i].path[0] != '/') std::abort();
      if (i && !(parsed->files[i - 1].path < parsed->files[i].path)) std::abort();
    }
  };
  // As decompressed text, and as the compressed file itself.
  check(responder::baseline::parse_baseline_text(bytes));
  auto compressed = responder::baseline::parse_compressed_baseline(bytes);
  if (!compressed && compressed.error().kind != responder::ErrorKind::bad_input &&
      compressed.error().kind != responder::ErrorKind::failed)
    std::abort();
  if (compressed) check(compressed);
  return 0;
}
