// What release.push reads from a host's `dpkg-query -W` output: the lines
// dpkg prints for a package, one per architecture of a Multi-Arch package,
// in every state dpkg can leave it in.
#include <doctest/doctest.h>

#include "release/host_package.h"

namespace responder::release {
namespace {

TEST_CASE("dpkg-query status: installed, held, config files only and never installed") {
  auto ii = read_dpkg_query("ii \t1.0.0-1\n");
  CHECK(ii.installed);
  CHECK_FALSE(ii.present);
  CHECK(ii.version == "1.0.0-1");
  // Held at a version is still installed there.
  auto hi = read_dpkg_query("hi \t2:1.2~rc1\n");
  CHECK(hi.installed);
  CHECK(hi.version == "2:1.2~rc1");
  // Removed with its configuration kept: nothing of it runs.
  auto rc = read_dpkg_query("rc \t1.0.0\n");
  CHECK_FALSE(rc.installed);
  CHECK_FALSE(rc.present);
  auto un = read_dpkg_query("un \t\n");
  CHECK_FALSE(un.installed);
  CHECK_FALSE(un.present);
  CHECK(read_dpkg_query("").version.empty());
}

TEST_CASE("dpkg-query status: half-installed, unpacked or awaiting triggers needs the patch") {
  for (const char* status : {"iH ", "iU ", "iF ", "iW ", "it "}) {
    CAPTURE(status);
    auto p = read_dpkg_query(std::string(status) + "\t1.0.0\n");
    CHECK_FALSE(p.installed);
    CHECK(p.present);
    CHECK(p.version == "1.0.0");
    CHECK(p.status == status);
  }
}

TEST_CASE("dpkg-query status: a Multi-Arch package gives a line per architecture") {
  auto both = read_dpkg_query("ii \t1.0.0\nii \t1.0.0\n");
  CHECK(both.installed);
  CHECK(both.version == "1.0.0");
  // One architecture left half-configured: the package is not fully installed.
  auto half = read_dpkg_query("ii \t1.0.0\niF \t1.0.1\n");
  CHECK_FALSE(half.installed);
  CHECK(half.present);
  CHECK(half.version == "1.0.0");
  CHECK(half.status == "iF ");
  // A removed architecture beside an installed one does not count.
  auto one = read_dpkg_query("rc \t0.9\nii \t1.0.0\n");
  CHECK(one.installed);
  CHECK(one.version == "1.0.0");
  // Lines without a tab are not dpkg's: ignored.
  CHECK_FALSE(read_dpkg_query("garbage\n").installed);
}

}  // namespace
}  // namespace responder::release
