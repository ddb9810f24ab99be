// What a user of the host being checked can put in its way: an
// authorized_keys that is a FIFO or a link to /dev/zero (the check must not
// hang or grow without end), a uid 0 written so that only the system reads
// it as 0, a file whose name is a glob, a file that cannot be read (never a
// clean verdict), and nested paths that sort apart.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>

#include "forensics/baseline/authorized_keys.h"
#include "forensics/baseline/baseline_comparison.h"
#include "forensics/baseline/baseline_file_format.h"
#include "forensics/baseline/baseline_verdict.h"
#include "forensics/baseline/file_hash_pool.h"
#include "forensics/baseline/file_tree_walk.h"
#include "forensics/baseline/local_accounts.h"
#include "tests/forensics/baseline/baseline_lab.h"

using namespace responder;
using namespace responder::baseline;
using namespace responder::baseline::testing;

TEST_CASE("baseline hostile host: an authorized_keys that is a FIFO or a link to /dev/zero is skipped at once, and the real keys beside it are read") {
  TempDir root;
  put(root.path(), "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  put(root.path(), "/root/.ssh/authorized_keys", std::string(kAliceKey) + "\n");
  std::filesystem::create_directories(root.path().string() + "/home/bob/.ssh");
  REQUIRE(::mkfifo((root.path().string() + "/home/bob/.ssh/authorized_keys").c_str(), 0600) == 0);
  std::filesystem::create_directories(root.path().string() + "/home/alice/.ssh");
  std::filesystem::create_symlink("/dev/zero", root.path().string() + "/home/alice/.ssh/authorized_keys");
  auto keys = std::async(std::launch::async, [&] { return read_authorized_keys(root.path()); });
  REQUIRE(keys.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto records = keys.get();
  REQUIRE(records.size() == 1);
  CHECK(records[0].key.find("root ") == 0);
}

TEST_CASE("baseline hostile host: a uid 0 written as +0, 000 or 4294967296 is root, as glibc reads it") {
  TempDir root;
  put(root.path(), "/etc/passwd",
      "root:x:0:0:root:/root:/bin/bash\nplus:x:+0:0::/:/bin/sh\nzeros:x:000:0::/:/bin/sh\nwrap:x:4294967296:0::/:/bin/sh\n"
      "odd:x:12ab:0::/:/bin/sh\n");
  auto accounts = read_accounts(root.path());
  std::map<std::string, std::int64_t> uid;
  for (auto& a : accounts) uid[a.key] = a.fields.at("uid").to_number<std::int64_t>();
  CHECK(uid.at("plus") == 0);
  CHECK(uid.at("zeros") == 0);
  CHECK(uid.at("wrap") == 0);
  CHECK(uid.at("odd") == -1);
}

TEST_CASE("baseline hostile host: a tampered file named like a glob is handed on escaped, so evidence.collect takes it and not its namesake") {
  CHECK(path_as_glob("/usr/bin/[s]udo") == "/usr/bin/\\[s\\]udo");
  CHECK(path_as_glob("/tmp/{a,b}*?") == "/tmp/\\{a,b\\}\\*\\?");
  CHECK(path_as_glob("/plain/name") == "/plain/name");
}

TEST_CASE("baseline hostile host: nested paths are walked once even when another path sorts between them") {
  TempDir root;
  for (auto* dir : {"/etc/ssh", "/etc-old"}) std::filesystem::create_directories(root.path().string() + dir);
  auto expanded = expand_paths(root.path(), {"/etc", "/etc-old", "/etc/ssh"});
  CHECK(expanded.existing == std::vector<std::string>{"/etc", "/etc-old"});
}

TEST_CASE("baseline hostile host: a file in scope that cannot be read makes the verdict at least suspect, never clean") {
  // Root reads any mode, so the comparison's record of an unreadable file is made here directly.
  BaselineComparison c;
  c.unreadable = {"/usr/bin/hidden"};
  c.unreadable_count = 1;
  auto v = decide_verdict(c);
  CHECK(v.verdict == "suspect");
  bool named = false;
  for (auto& r : v.rules)
    if (r.rule == "object-unreadable") named = !r.items.empty() && r.items[0] == "/usr/bin/hidden";
  CHECK(named);
}

TEST_CASE("baseline hostile host: a sparse terabyte in scope does not hold a stopped comparison: cancel ends the read and the queue") {
  TempDir dir;
  auto big = dir / "sparse";
  { std::ofstream(big.string()) << ""; }
  std::filesystem::resize_file(big, std::uint64_t{1} << 40);
  std::mutex m;
  std::vector<HashJob> done;
  auto started = std::chrono::steady_clock::now();
  {
    FileHashPool pool(
        [&](HashJob&& job) {
          std::lock_guard lock(m);
          done.push_back(std::move(job));
        },
        1);
    for (int i = 0; i < 3; ++i) {
      HashJob job;
      job.entry.path = "/sparse" + std::to_string(i);
      job.on_disk = big.string();
      pool.submit(std::move(job));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    pool.cancel();
    pool.finish();
  }
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
  REQUIRE(done.size() == 3);
  for (auto& job : done) CHECK(job.error.find("the comparison was stopped") != std::string::npos);
}

TEST_CASE("baseline hostile host: in a mounted image, an absolute link is followed inside the image, never to the examining machine's file") {
  TempDir image;
  put(image.path(), "/etc/image-passwd", "root:x:0:0:root:/root:/bin/sh\nimageuser:x:5000:5000::/:/bin/sh\n");
  std::filesystem::create_symlink("/etc/image-passwd", image.path().string() + "/etc/passwd");
  // This machine has no /etc/image-passwd: read outside the image, the link would give nothing.
  REQUIRE_FALSE(std::filesystem::exists("/etc/image-passwd"));
  auto accounts = read_accounts(image.path());
  bool found = false;
  for (auto& a : accounts) found = found || a.key == "imageuser";
  CHECK(found);
  // And a link that climbs out with .. stays inside the image too.
  put(image.path(), "/etc/group", "imagegroup:x:5000:\n");
  std::filesystem::remove(image.path().string() + "/etc/passwd");
  std::filesystem::create_symlink("../../../../../../../../etc/image-passwd", image.path().string() + "/etc/passwd");
  found = false;
  for (auto& a : read_accounts(image.path())) found = found || a.key == "imageuser";
  CHECK(found);
}

TEST_CASE("baseline hostile host: a root account whose line is padded past a megabyte is still read, as the system reads it") {
  TempDir root;
  put(root.path(), "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nhidden:x:0:0:" + std::string(2u << 20, 'a') + ":/:/bin/sh\n");
  bool found = false;
  for (auto& a : read_accounts(root.path()))
    found = found || (a.key == "hidden" && a.fields.at("uid").to_number<std::int64_t>() == 0);
  CHECK(found);
}
