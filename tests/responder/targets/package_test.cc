// `cpack -G DEB` makes a package whose dependencies are declared and whose
// program is this build's: what `responder hosts prepare` will copy to hosts.
#include <doctest/doctest.h>

#include "tests/support/process.h"
#include "tests/support/skip.h"

namespace responder::testing {
namespace {

TEST_CASE("package: cpack -G DEB builds a .deb with its library dependencies and this exact version") {
  RESPONDER_SKIP_WHEN(std::string(run_process({"sh", "-c", "command -v cpack && command -v dpkg-shlibdeps"}).exit_code == 0
                                      ? ""
                                      : "cpack or dpkg-shlibdeps is not installed (apt-get install cmake dpkg-dev)"));
  std::filesystem::path build = std::filesystem::path(RESPONDER_BINARY).parent_path();
  TempDir out;
  // An ASan build's binary is large and compressing it slow on a loaded
  // machine: more than run_process's default minute.
  auto made = Process({"cpack", "-G", "DEB", "--config", (build / "CPackConfig.cmake").string(), "-B", out.path().string()})
                  .wait(std::chrono::seconds(600));
  INFO(made.out);
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  std::filesystem::path deb;
  for (auto& entry : std::filesystem::directory_iterator(out.path()))
    if (entry.path().extension() == ".deb") deb = entry.path();
  REQUIRE(!deb.empty());
  CHECK(deb.filename().string().find("responder_") == 0);
  auto info = run_process({"dpkg-deb", "--field", deb.string(), "Depends"});
  REQUIRE(info.exit_code == 0);
  // The engine's own libraries; module folders add theirs (libnftables1,
  // libpcap0.8, ...) when the build includes them (RESPONDER_FOLDERS).
  for (const char* library : {"libssl3", "libyaml-cpp", "libstdc++6"})
    CHECK_MESSAGE(info.out.find(library) != std::string::npos, library << " missing from Depends: " << info.out);
  MESSAGE("Depends: " << info.out);
  auto unpacked = out / "root";
  REQUIRE(run_process({"dpkg-deb", "-x", deb.string(), unpacked.string()}).exit_code == 0);
  auto packaged = run_process({(unpacked / "usr/bin/responder").string(), "--version"});
  auto built = run_process({RESPONDER_BINARY, "--version"});
  CHECK(packaged.exit_code == 0);
  CHECK(packaged.out == built.out);
  CHECK(std::filesystem::exists(unpacked / "usr/share/responder/playbooks/targeted-intrusion.yaml"));
}

}  // namespace
}  // namespace responder::testing
