// The hashing pool: every file hashed right on every worker, MD5 only when
// asked, never blocked by a FIFO nor led by a symbolic link; and the paths a
// baseline covers, globs and merged /usr included.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <map>
#include <mutex>

#include "baseline_lab.h"
#include "forensics/baseline/file_hash_pool.h"
#include "forensics/baseline/file_tree_walk.h"
#include "forensics/baseline/package_database.h"
#include "responder/sha256.h"

using namespace responder;
using namespace responder::baseline;
using namespace responder::baseline::testing;

TEST_CASE("baseline hashing pool: a thousand files on two workers, each SHA-256 right, MD5 only where asked") {
  TempDir dir;
  std::map<std::string, std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    std::string text(static_cast<std::size_t>(i * 37 % 5000), static_cast<char>('a' + i % 26));
    text += std::to_string(i);
    auto path = dir.write("f" + std::to_string(i), text);
    expected[path.string()] = sha256_hex(text);
  }
  std::mutex mutex;
  std::map<std::string, HashJob> done;
  {
    FileHashPool pool(
        [&](HashJob&& job) {
          std::lock_guard lock(mutex);
          done[job.on_disk] = std::move(job);
        },
        2);
    CHECK(pool.workers() == 2);
    int i = 0;
    for (auto& [path, sha] : expected) {
      HashJob job;
      job.on_disk = path;
      job.entry.path = path;
      job.want_md5 = i++ % 2 == 0;
      pool.submit(std::move(job));
    }
    pool.finish();
    CHECK(pool.files_done() == 1000);
  }
  REQUIRE(done.size() == 1000);
  int with_md5 = 0;
  for (auto& [path, job] : done) {
    CHECK(job.error.empty());
    CHECK(job.entry.sha256 == expected[path]);
    if (!job.md5.empty()) {
      ++with_md5;
      CHECK(job.md5 == md5_of_file(path));
    }
  }
  CHECK(with_md5 == 500);
}

TEST_CASE("baseline hashing: MD5 by a second read only when the SHA-256 is not the expected one, and no FIFO or link is opened") {
  TempDir dir;
  auto file = dir.write("f", "contents\n");
  std::vector<unsigned char> buffer(FileHashPool::kBufferSize);
  HashJob same;
  same.on_disk = file.string();
  same.md5_unless_sha256 = sha256_hex("contents\n");
  hash_file(same, buffer);
  CHECK(same.md5.empty());
  CHECK(same.read_bytes == 9);
  HashJob changed;
  changed.on_disk = file.string();
  changed.md5_unless_sha256 = std::string(64, '0');
  hash_file(changed, buffer);
  CHECK(changed.md5 == md5_of_file(file));
  CHECK(changed.read_bytes == 18);  // read twice: the one case that is

  REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
  HashJob fifo;
  fifo.on_disk = (dir / "fifo").string();
  hash_file(fifo, buffer);  // returns at once: opened non-blocking, then refused
  CHECK(fifo.error == "no longer a regular file");
  std::filesystem::create_symlink(file, dir / "link");
  HashJob link;
  link.on_disk = (dir / "link").string();
  hash_file(link, buffer);
  CHECK_FALSE(link.error.empty());
  CHECK(link.entry.sha256.empty());
}

TEST_CASE("baseline paths: globs expand under the root, nested paths are walked once, merged /usr resolves") {
  TempDir root;
  build_reference_tree(root.path());
  std::filesystem::create_directories(root.path().string() + "/home/bob/.ssh");
  auto expanded = expand_paths(root.path(), {"/home/*/.ssh", "/etc", "/etc/tool.conf", "/nowhere", "relative"});
  CHECK(expanded.existing == std::vector<std::string>{"/etc", "/home/alice/.ssh", "/home/bob/.ssh"});
  CHECK(expanded.missing == std::vector<std::string>{"/nowhere", "relative"});
  CHECK(path_in_scope("/home/carol/.ssh/authorized_keys", {"/home/*/.ssh"}));
  CHECK(path_in_scope("/etc", {"/etc/"}));
  CHECK_FALSE(path_in_scope("/etcetera", {"/etc"}));
  CHECK_FALSE(path_in_scope("/home/carol/.bashrc", {"/home/*/.ssh"}));
  CHECK(resolve_directories(root.path(), "/bin/tool") == "/usr/bin/tool");
  CHECK(resolve_directories(root.path(), "/usr/./lib/../bin/tool") == "/usr/bin/tool");
  // A link that points out of the root stays inside it.
  std::filesystem::create_symlink("/../../../../etc", root.path().string() + "/escape");
  CHECK(resolve_directories(root.path(), "/escape/passwd") == "/etc/passwd");
}
