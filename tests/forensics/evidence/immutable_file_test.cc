// Write-once: sealed files the kernel refuses to change, and, where the
// attributes are refused, records that say so and never claim them.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "forensics/evidence/evidence_sealer.h"
#include "forensics/evidence/evidence_verifier.h"
#include "forensics/evidence/immutable_file.h"
#include "responder/durable_file.h"
#include "tests/forensics/evidence/evidence_lab.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;
namespace fs = std::filesystem;

TEST_CASE("sealed files refuse write, rename and unlink with EPERM") {
  Incident incident;
  if (auto why = write_once_unavailable(incident.home.root); !why.empty()) {
    MESSAGE("SKIPPED: write-once attributes unavailable here: " << why);
    return;
  }
  make_sealed_bundle(incident);
  auto dir = incident.evidence();
  for (const char* name : {"items/0001-alpha.txt", "manifest.json", "manifest.sha256", "seal.json", "seal.sig", "seal.pub"}) {
    auto path = dir / name;
    INFO(name);
    errno = 0;
    CHECK(::open(path.c_str(), O_WRONLY) == -1);
    CHECK(errno == EPERM);
    errno = 0;
    CHECK(::rename(path.c_str(), (dir / "moved").c_str()) == -1);
    CHECK(errno == EPERM);
    errno = 0;
    CHECK(::unlink(path.c_str()) == -1);
    CHECK(errno == EPERM);
    errno = 0;
    CHECK(::truncate(path.c_str(), 0) == -1);
    CHECK(errno == EPERM);
  }
  // The custody log can only grow: no rewrite, no truncation, no removal.
  auto custody = dir / "custody.jsonl";
  errno = 0;
  CHECK(::open(custody.c_str(), O_WRONLY) == -1);
  CHECK(errno == EPERM);
  errno = 0;
  CHECK(::unlink(custody.c_str()) == -1);
  CHECK(errno == EPERM);
  int fd = ::open(custody.c_str(), O_WRONLY | O_APPEND);
  CHECK(fd >= 0);
  if (fd >= 0) ::close(fd);
}

TEST_CASE("where write-once is refused, records say so and never claim it") {
  if (geteuid() != 0) {
    MESSAGE("SKIPPED: needs root to drop CAP_LINUX_IMMUTABLE in a child");
    return;
  }
  Incident incident;
  // A child without CAP_LINUX_IMMUTABLE: the kernel refuses the attributes
  // exactly as a file system without them would.
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) ::_exit(10);
    data[0].effective &= ~(1u << CAP_LINUX_IMMUTABLE);
    data[0].permitted &= ~(1u << CAP_LINUX_IMMUTABLE);
    if (::syscall(SYS_capset, &header, data) != 0) ::_exit(11);
    auto item = add_text_item(incident.context, "refused.txt", "no write-once here\n");
    if (!item) ::_exit(12);
    if (item->write_once.rfind("NOT IN FORCE", 0) != 0) ::_exit(13);
    if (item->write_once.find("CAP_LINUX_IMMUTABLE") == std::string::npos) ::_exit(14);
    auto sealed = seal_evidence(incident.context, SealOptions{});
    if (!sealed || sealed->warnings.empty()) ::_exit(15);
    auto seal = *read_text_file(incident.evidence() / "seal.json");
    if (seal.find("\"records_write_once\": \"NOT IN FORCE") == std::string::npos) ::_exit(16);
    if (seal.find("\"custody_write_once\": \"NOT IN FORCE\"") == std::string::npos) ::_exit(17);
    auto report = verify_evidence(incident.evidence(), VerifyOptions{});
    if (!report.holds()) ::_exit(18);  // honest records: notes, not mismatches
    bool noted = false;
    for (auto& f : report.findings) noted = noted || (f.outcome == Outcome::note && f.detail.find("NOT immutable") != std::string::npos);
    ::_exit(noted ? 0 : 19);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  INFO("child exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}
