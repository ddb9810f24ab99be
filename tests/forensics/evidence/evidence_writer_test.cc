// Large evidence writers given a size they do not reach: the file is trimmed
// to what was written, and no more space is taken than that.
#include <doctest/doctest.h>
#include <sys/mount.h>

#include <fstream>
#include <string>

#include "forensics/evidence/evidence_verifier.h"
#include "forensics/evidence/evidence_writer.h"
#include "forensics/evidence/immutable_file.h"
#include "tests/containment/private_mount_namespace.h"
#include "tests/forensics/evidence/evidence_lab.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;
namespace fs = std::filesystem;

TEST_CASE("a large writer given a size it does not reach trims the file to what was written") {
  Incident incident;
  auto writer = EvidenceWriter::begin(incident.context, "short.img", true, 16u << 20);
  REQUIRE(writer.ok());
  std::string bytes((5u << 20) + 3, 'x');
  REQUIRE((*writer)->write(bytes).ok());
  auto item = (*writer)->finish("test:short", json::object{}, "unit test");
  REQUIRE_MESSAGE(item.ok(), (item.ok() ? "" : item.error().message));
  CHECK(item->size == bytes.size());
  CHECK(fs::file_size(incident.evidence() / item->path) == bytes.size());
  CHECK(item->sha256 == sha256_hex(bytes));
  CHECK(verify_evidence(incident.evidence(), VerifyOptions{}).broken() == 1);  // only: not sealed
}

TEST_CASE("a large item expected bigger than the store's free space takes only what it writes") {
  // A real 64 MiB ext4 volume (about 51 MiB free), in a private mount
  // namespace so it goes with the test process whatever happens.
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  TempHome home;
  auto image = home.root / "volume.ext4";
  auto volume = home.root / "volume";
  fs::create_directories(volume);
  { std::ofstream(image, std::ios::binary).close(); }
  fs::resize_file(image, 64u << 20);
  auto made = testing::run_process({"mkfs.ext4", "-q", "-F", image.string()});
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  auto mounted = testing::run_process({"mount", "-o", "loop", image.string(), volume.string()});
  RESPONDER_SKIP_WHEN(mounted.exit_code == 0 ? std::string() : "no loop device to mount a test volume: " + mounted.err);
  struct Unmount {  // before the home is removed, even when a check fails
    fs::path at;
    ~Unmount() {
      remove_write_once_tree(at / "INC-FULL");
      ::umount2(at.c_str(), MNT_DETACH);
    }
  } unmount{volume};

  StepContext context;
  context.incident_id = "INC-FULL";
  context.incident_dir = volume / "INC-FULL";
  context.actor = "tester";
  context.step_id = "test";
  fs::create_directories(context.incident_dir);
  auto free_before = fs::space(volume).available;
  // Expected 200 MiB (an image source that ends early, a log truncated
  // while copied); 5 MiB arrive. Allocating the 200 MiB would fill the
  // volume and leave the file longer than its hash.
  auto writer = EvidenceWriter::begin(context, "short.img", true, 200u << 20);
  REQUIRE(writer.ok());
  std::string bytes((5u << 20) + 3, 'x');
  REQUIRE((*writer)->write(bytes).ok());
  auto item = (*writer)->finish("test:short", json::object{}, "unit test");
  REQUIRE_MESSAGE(item.ok(), (item.ok() ? "" : item.error().message));
  CHECK(fs::file_size(evidence_dir(context.incident_dir) / item->path) == bytes.size());
  CHECK(fs::space(volume).available + (8u << 20) > free_before);
  auto report = verify_evidence(evidence_dir(context.incident_dir), VerifyOptions{});
  INFO(broken_list(report));
  CHECK(report.broken() == 1);  // only: not sealed
}
