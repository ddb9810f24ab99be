// share.readonly against the real components: tmpfs and bind mounts in a
// private mount namespace, a real smbd on 127.0.0.1:4450, and exportfs with
// private exports files and export table.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <signal.h>
#include <thread>

#include "containment/shares/mount_readonly.h"
#include "containment/shares/nfs_exports_edit.h"
#include "containment/shares/open_writers.h"
#include "tests/containment/module_step.h"
#include "tests/containment/nfs_exports_lab.h"
#include "tests/containment/private_mount_namespace.h"
#include "tests/containment/smbd_lab.h"

using namespace responder;
using namespace responder::shares;
using namespace responder::lab;
using responder::testing::slurp;
using responder::testing::TempDir;

namespace {

json::object named(const char* key, std::initializer_list<std::string> values) {
  json::array a;
  for (auto& v : values) a.emplace_back(v);
  return json::object{{key, a}};
}

// errno of creating a file in `dir` (0 when it could be written).
int write_errno(const std::filesystem::path& dir, const std::string& name = "probe") {
  int fd = ::open((dir / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  ::close(fd);
  ::unlink((dir / name).c_str());
  return 0;
}

std::string options_at(const std::filesystem::path& path) {
  auto mount = mount_at(std::filesystem::canonical(path));
  REQUIRE(mount);
  REQUIRE(*mount);
  return (*mount)->options;
}

// A tmpfs "data volume" with nosuid,nodev,noexec, mounted on a temporary directory.
struct DataVolume {
  TempDir dir;
  std::filesystem::path path = dir / "volume";
  explicit DataVolume(unsigned long flags = MS_NOSUID | MS_NODEV | MS_NOEXEC) {
    std::filesystem::create_directories(path);
    REQUIRE(::mount("tmpfs", path.c_str(), "tmpfs", flags, "size=4m") == 0);
  }
  ~DataVolume() { ::umount2(path.c_str(), MNT_DETACH); }
};

std::string text_of(const std::vector<std::string>& lines) {
  std::string t;
  for (auto& l : lines) t += l + "\n";
  return t;
}

}  // namespace

TEST_CASE("share.readonly remounts a tmpfs data volume read-only keeping nosuid nodev noexec and undo restores its exact options") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  DataVolume volume;
  const std::string before = options_at(volume.path);
  CHECK(before.find("nosuid") != std::string::npos);
  CHECK(write_errno(volume.path) == 0);

  responder::testing::ModuleStep step("share.readonly", "volume-ro");
  auto params = named("mounts", {volume.path.string()});
  auto plan = step.plan(params);
  REQUIRE_MESSAGE(plan, plan.error().message);
  CHECK(options_at(volume.path) == before);  // plan changes nothing
  CHECK(text_of(plan->changes).find("remount " + volume.path.string() + " read-only") != std::string::npos);

  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(write_errno(volume.path) == EROFS);
  const std::string during = options_at(volume.path);
  CHECK(options_read_only(during));
  for (auto* kept : {"nosuid", "nodev", "noexec", "relatime"}) CHECK_MESSAGE(during.find(kept) != std::string::npos, during);
  auto verified = step.verify(&*receipt);
  REQUIRE(verified);
  CHECK_MESSAGE(verified->in_effect, verified->detail);

  REQUIRE_MESSAGE(step.undo(*receipt), "undo");
  CHECK(write_errno(volume.path) == 0);
  CHECK(options_at(volume.path) == before);
  verified = step.verify(&*receipt);
  REQUIRE(verified);
  CHECK_FALSE(verified->in_effect);
}

TEST_CASE("share.readonly keeps noatime nodiratime and strict atime of two volumes and undo restores both option lines") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  DataVolume noatime(MS_NOATIME | MS_NODIRATIME | MS_NOSUID);
  DataVolume strict(MS_STRICTATIME | MS_NODEV);
  const std::string noatime_before = options_at(noatime.path), strict_before = options_at(strict.path);
  CHECK(noatime_before.find("noatime") != std::string::npos);
  CHECK(strict_before.find("atime") == std::string::npos);  // strict atime shows no atime option

  responder::testing::ModuleStep step("share.readonly", "two-volumes");
  auto receipt = step.apply(named("mounts", {noatime.path.string(), strict.path.string(), noatime.path.string() + "/"}));
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(receipt->undo.at("mounts").at("items").as_array().size() == 2);  // the same volume named twice changes once
  auto noatime_during = options_at(noatime.path), strict_during = options_at(strict.path);
  CHECK_MESSAGE(noatime_during.find("noatime") != std::string::npos, noatime_during);
  CHECK_MESSAGE(noatime_during.find("nodiratime") != std::string::npos, noatime_during);
  CHECK_MESSAGE(strict_during.find("atime") == std::string::npos, strict_during);
  CHECK(write_errno(noatime.path) == EROFS);
  CHECK(write_errno(strict.path) == EROFS);

  REQUIRE(step.undo(*receipt));
  CHECK(options_at(noatime.path) == noatime_before);
  CHECK(options_at(strict.path) == strict_before);
}

TEST_CASE("share.readonly makes a plain directory read-only through a bind mount onto itself and undo removes that mount") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  DataVolume volume;
  auto directory = volume.path / "projects";
  std::filesystem::create_directories(directory);
  auto canonical = std::filesystem::canonical(directory);
  auto mount_before = mount_at(canonical);
  REQUIRE(mount_before);
  CHECK_FALSE(*mount_before);

  responder::testing::ModuleStep step("share.readonly", "directory-ro");
  auto receipt = step.apply(named("mounts", {directory.string()}));
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(write_errno(directory) == EROFS);
  CHECK(write_errno(volume.path) == 0);  // the rest of the volume stays writable
  auto during = options_at(directory);
  CHECK(options_read_only(during));
  CHECK(during.find("nosuid") != std::string::npos);

  REQUIRE(step.undo(*receipt));
  auto mount_after = mount_at(canonical);
  REQUIRE(mount_after);
  CHECK_FALSE(*mount_after);  // no bind mount left behind
  CHECK(write_errno(directory) == 0);
}

// Plain directories on a fresh volume and share.readonly's plan for them,
// made before the "crash" each resume test stages.
struct PlannedDirectories {
  DataVolume volume;
  std::vector<std::filesystem::path> dirs;
  responder::testing::ModuleStep step;
  json::object params;
  json::object planned;
  PlannedDirectories(const std::string& step_id, std::vector<std::string> names) : step("share.readonly", step_id) {
    json::array paths;
    for (auto& name : names) {
      dirs.push_back(volume.path / name);
      std::filesystem::create_directories(dirs.back());
      dirs.back() = std::filesystem::canonical(dirs.back());
      paths.emplace_back(dirs.back().string());
    }
    params = json::object{{"mounts", paths}};
    auto plan = step.plan(params);
    REQUIRE_MESSAGE(plan, plan.error().message);
    planned = plan->detail;
  }
};

// Undo left no mount at `dir` and it takes writes again.
void check_plain_and_writable(const std::filesystem::path& dir) {
  auto mount = mount_at(dir);
  REQUIRE(mount);
  CHECK_FALSE(*mount);
  CHECK(write_errno(dir) == 0);
}

TEST_CASE("share.readonly resumed after a crash between its bind mount and the remount takes the bind over, and undo removes it") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  PlannedDirectories lab("directory-crash", {"projects"});
  auto& directory = lab.dirs[0];
  // The crash: the bind onto itself was made, the remount never happened.
  REQUIRE(bind_onto_itself(directory));
  auto resumed = lab.step.verify(nullptr, lab.planned);
  REQUIRE(resumed);
  CHECK_FALSE(resumed->in_effect);  // still writable: the engine applies again

  lab.step.use_plan(lab.planned);
  auto receipt = lab.step.apply(lab.params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(write_errno(directory) == EROFS);
  auto bind_count = [&] {
    std::ifstream in("/proc/self/mountinfo");
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(" " + directory.string() + " ") != std::string::npos;
    return n;
  };
  CHECK(bind_count() == 1);  // taken over, not bound a second time

  REQUIRE(lab.step.undo(*receipt));
  check_plain_and_writable(directory);  // the crash's bind mount is gone too
}

TEST_CASE("share.readonly resumed after a crash between two directories undoes both binds") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  PlannedDirectories lab("two-directories", {"a", "b"});
  // The crash: the first directory was bound and made read-only, the second not yet.
  REQUIRE(bind_onto_itself(lab.dirs[0]));
  REQUIRE(remount(lab.dirs[0], MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
  REQUIRE(write_errno(lab.dirs[0]) == EROFS);
  auto resumed = lab.step.verify(nullptr, lab.planned);
  REQUIRE(resumed);
  CHECK_FALSE(resumed->in_effect);

  lab.step.use_plan(lab.planned);
  auto receipt = lab.step.apply(lab.params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(write_errno(lab.dirs[0]) == EROFS);
  CHECK(write_errno(lab.dirs[1]) == EROFS);
  REQUIRE(lab.step.undo(*receipt));
  for (auto& dir : lab.dirs) check_plain_and_writable(dir);
}

TEST_CASE("share.readonly does not take a read-only mount someone else made for its own after a crash") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  PlannedDirectories lab("foreign-ro", {"projects"});
  REQUIRE(::mount("tmpfs", lab.dirs[0].c_str(), "tmpfs", MS_RDONLY, "size=1m") == 0);
  auto resumed = lab.step.verify(nullptr, lab.planned);
  REQUIRE(resumed);
  CHECK_FALSE(resumed->recovered);  // undo would otherwise unmount their filesystem
  ::umount2(lab.dirs[0].c_str(), MNT_DETACH);
}

TEST_CASE("share.readonly resumed refuses a mount that appeared at a plain directory since the plan") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  PlannedDirectories lab("directory-foreign", {"projects"});
  // Someone mounts a filesystem of their own there meanwhile.
  REQUIRE(::mount("tmpfs", lab.dirs[0].c_str(), "tmpfs", 0, "size=1m") == 0);
  lab.step.use_plan(lab.planned);
  auto receipt = lab.step.apply(lab.params);
  REQUIRE_FALSE(receipt);
  CHECK(receipt.error().kind == ErrorKind::refused);
  CHECK(write_errno(lab.dirs[0]) == 0);  // left as it was
  ::umount2(lab.dirs[0].c_str(), MNT_DETACH);
}

TEST_CASE("share.readonly names the file open for writing when the remount is busy and changes nothing") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  DataVolume volume;
  const std::string before = options_at(volume.path);
  int writer = ::open((volume.path / "held-open").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(writer >= 0);

  responder::testing::ModuleStep step("share.readonly", "busy-ro");
  auto receipt = step.apply(named("mounts", {volume.path.string()}));
  ::close(writer);
  REQUIRE_FALSE(receipt);
  CHECK_MESSAGE(receipt.error().message.find("open for writing") != std::string::npos, receipt.error().message);
  CHECK_MESSAGE(receipt.error().message.find(volume.path.string()) != std::string::npos, receipt.error().message);
  CHECK(options_at(volume.path) == before);
  CHECK(write_errno(volume.path) == 0);
}

TEST_CASE("share.readonly names the process holding a file open for writing, and with kill_writers ends it and remounts") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  DataVolume volume;
  const std::string before = options_at(volume.path);
  auto file = (volume.path / "encrypting.docx").string();
  // Another process, as the encryptor is: a shell holding the file open for
  // writing on fd 3, then sleeping.
  responder::testing::Process encryptor({"sh", "-c", "exec 3>\"$0\"; exec sleep 60", file});
  responder::testing::eventually([&] { return !open_writers_under(volume.path.string()).empty(); });
  auto writers = open_writers_under(volume.path.string());
  REQUIRE(writers.size() == 1);
  CHECK(writers[0].pid == encryptor.pid());
  CHECK(writers[0].file == std::filesystem::canonical(file).string());
  CHECK(writers[0].command == "sleep");
  CHECK(writers[0].start_time > 0);
  // A PID another process took over since the scan is never signalled.
  auto reused = writers;
  reused[0].start_time += 1;
  CHECK(end_writers(reused, std::chrono::milliseconds(100)));
  CHECK(open_writers_under(volume.path.string()).size() == 1);

  responder::testing::ModuleStep step("share.readonly", "busy-ro");
  auto refused = step.apply(named("mounts", {volume.path.string()}));
  REQUIRE_FALSE(refused);
  CHECK_MESSAGE(refused.error().message.find("pid " + std::to_string(encryptor.pid()) + " (sleep, user root) holds") !=
                    std::string::npos,
                refused.error().message);
  CHECK(refused.error().message.find("kill_writers: true") != std::string::npos);
  CHECK(options_at(volume.path) == before);

  auto params = named("mounts", {volume.path.string()});
  params["kill_writers"] = true;
  auto plan = step.plan(params);
  REQUIRE(plan);
  CHECK(text_of(plan->changes).find("kill_writers: they are ended first") != std::string::npos);
  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(text_of(receipt->changes).find("ended pid " + std::to_string(encryptor.pid()) + " (sleep, user root)") != std::string::npos);
  auto ended = encryptor.wait(std::chrono::seconds(10));
  CHECK(ended.signal == SIGKILL);
  CHECK(write_errno(volume.path) == EROFS);
  REQUIRE(step.undo(*receipt));
  CHECK(options_at(volume.path) == before);
  CHECK(write_errno(volume.path) == 0);
}

TEST_CASE("share.readonly makes a Samba share read-only for new and already open sessions and undo restores smb.conf byte for byte") {
  if (auto why = smbd_lab_unavailable(); !why.empty()) {
    std::cerr << "SKIPPED: " << why << "\n";
    std::_Exit(77);
  }
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  // writable and write list would each keep write access if not neutralised.
  SmbdLab lab("\tguest ok = yes\n\twritable = yes\n\twrite list = nobody root\n\tforce user = root\n");
  REQUIRE_MESSAGE(lab.start(), ("smbd did not start: " + lab.log()));
  auto local = lab.dir().write("local.txt", "evidence of writing\n");
  const std::string config_before = slurp(lab.config());

  auto put = lab.put(local, "before.txt");
  REQUIRE_MESSAGE(put.exit_code == 0, (put.out + put.err));
  CHECK(std::filesystem::exists(lab.share_dir() / "before.txt"));

  SmbclientSession open_session(lab);  // connected before the change
  open_session.command("put " + local.string() + " session-before.txt");
  CHECK(std::filesystem::exists(lab.share_dir() / "session-before.txt"));

  responder::testing::ModuleStep step("share.readonly", "samba-ro");
  json::object params = named("samba", {"test"});
  params["samba_config"] = lab.config().string();
  auto plan = step.plan(params);
  REQUIRE_MESSAGE(plan, plan.error().message);
  CHECK(slurp(lab.config()) == config_before);
  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(slurp(lab.config()).find("test-incident step samba-ro") != std::string::npos);

  put = lab.put(local, "during.txt");
  CHECK(put.exit_code != 0);
  CHECK_FALSE(std::filesystem::exists(lab.share_dir() / "during.txt"));
  // The session connected before apply had a writable tree: smbd closed it,
  // so its next write fails instead of landing on the share.
  open_session.command("put " + local.string() + " session-during.txt");
  auto session_output = open_session.finish();
  CHECK_FALSE(std::filesystem::exists(lab.share_dir() / "session-during.txt"));
  CHECK_MESSAGE(session_output.find("NT_STATUS_NETWORK_NAME_DELETED") != std::string::npos, session_output);

  auto verified = step.verify(&*receipt);
  REQUIRE(verified);
  CHECK_MESSAGE(verified->in_effect, verified->detail);

  REQUIRE_MESSAGE(step.undo(*receipt), "undo");
  CHECK(slurp(lab.config()) == config_before);
  put = lab.put(local, "after.txt");
  CHECK_MESSAGE(put.exit_code == 0, (put.out + put.err));
  CHECK(std::filesystem::exists(lab.share_dir() / "after.txt"));
}

TEST_CASE("share.readonly neutralises writable and write list without smbd running and refuses a registry configuration") {
  if (::access("/usr/bin/testparm", X_OK) != 0) {
    std::cerr << "SKIPPED: testparm is not installed\n";
    std::_Exit(77);
  }
  TempDir dir;
  auto config = dir.write("smb.conf", "[global]\n\tpid directory = " + dir.path().string() +
                                          "\n\tlock directory = " + dir.path().string() +
                                          "\n[Data]\n\tpath = /srv\n\twriteable = yes\n\twrite list = @staff\n"
                                          "; the last section has no final newline\n[Tail]\n\tpath = /srv\n\tread only = no");
  const std::string before = slurp(config);
  responder::testing::ModuleStep step("share.readonly", "samba-no-smbd");
  json::object params = named("samba", {"data", "tail"});  // share names ignore case
  params["samba_config"] = config.string();
  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  CHECK(text_of(receipt->changes).find("no smbd runs") != std::string::npos);
  auto verified = step.verify(&*receipt);
  REQUIRE(verified);
  CHECK_MESSAGE(verified->in_effect, verified->detail);
  REQUIRE(step.undo(*receipt));
  CHECK(slurp(config) == before);

  auto registry = dir.write("registry.conf", "[global]\n\tconfig backend = registry\n[data]\n\tpath = /srv\n");
  params["samba_config"] = registry.string();
  auto refused = step.apply(params);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().kind == ErrorKind::refused);
  CHECK_MESSAGE(refused.error().message.find("registry") != std::string::npos, refused.error().message);
}

TEST_CASE("share.readonly refuses to undo over an smb.conf edited since apply") {
  if (::access("/usr/bin/testparm", X_OK) != 0) {
    std::cerr << "SKIPPED: testparm is not installed\n";
    std::_Exit(77);
  }
  TempDir dir;
  auto config = dir.write("smb.conf", "[global]\n\tpid directory = " + dir.path().string() + "\n[data]\n\tpath = /srv\n\tread only = no\n");
  responder::testing::ModuleStep step("share.readonly", "samba-edited");
  json::object params = named("samba", {"data"});
  params["samba_config"] = config.string();
  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  std::ofstream(config, std::ios::app) << "[added]\n\tpath = /tmp\n";
  const std::string edited = slurp(config);
  auto undone = step.undo(*receipt);
  REQUIRE_FALSE(undone);
  CHECK(undone.error().kind == ErrorKind::refused);
  CHECK_MESSAGE(undone.error().message.find(config.string()) != std::string::npos, undone.error().message);
  CHECK(slurp(config) == edited);
}

TEST_CASE("share.readonly switches an NFS export from rw to ro in the exports files and etab and undo restores them") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  if (::access("/usr/sbin/exportfs", X_OK) != 0) {
    std::cerr << "SKIPPED: exportfs is not installed (nfs-kernel-server)\n";
    std::_Exit(77);
  }
  NfsExportsLab lab;
  REQUIRE_MESSAGE(lab.error().empty(), lab.error());
  auto data = lab.export_dir("data"), other = lab.export_dir("other"), extra = lab.export_dir("extra");
  NfsExportsLab::write("/etc/exports",
                       "# exports of the share.readonly test\n"
                       "\"" + data.string() + "\" 127.0.0.1(rw,sync,no_subtree_check) \\\n"
                       "    127.0.0.2(ro,sync,no_subtree_check)  # a comment\n" +
                       other.string() + " 127.0.0.1(rw,sync,no_subtree_check)\n");
  NfsExportsLab::write("/etc/exports.d/extra.exports", extra.string() + " -rw,sync,no_subtree_check 127.0.0.3\n");
  auto ran = testing::run_process({"exportfs", "-ra"});
  REQUIRE_MESSAGE(ran.exit_code == 0, ran.err);
  const std::string exports_before = slurp("/etc/exports"), extra_before = slurp("/etc/exports.d/extra.exports");
  auto table = read_export_table(NfsExportsLab::etab());
  REQUIRE(table[data.string()].size() == 2);
  CHECK(export_entry_writable(table[data.string()][0]));

  responder::testing::ModuleStep step("share.readonly", "nfs-ro");
  auto params = named("nfs", {data.string() + "/", extra.string()});
  auto plan = step.plan(params);
  REQUIRE_MESSAGE(plan, plan.error().message);
  CHECK(slurp("/etc/exports") == exports_before);
  auto receipt = step.apply(params);
  REQUIRE_MESSAGE(receipt, receipt.error().message);

  auto exports_during = slurp("/etc/exports");
  CHECK(exports_during.size() == exports_before.size());
  CHECK(exports_during.find("127.0.0.1(ro,sync") != std::string::npos);
  CHECK(exports_during.find(other.string() + " 127.0.0.1(rw,sync") != std::string::npos);  // not named: unchanged
  CHECK(slurp("/etc/exports.d/extra.exports").find("-ro,sync") != std::string::npos);
  table = read_export_table(NfsExportsLab::etab());
  for (auto& path : {data.string(), extra.string()})
    for (auto& client : table[path]) CHECK_MESSAGE(!export_entry_writable(client), path << " " << client);
  REQUIRE(!table[other.string()].empty());
  CHECK(export_entry_writable(table[other.string()][0]));
  auto shown = testing::run_process({"exportfs", "-v"});
  MESSAGE("exportfs -v after apply:\n" << shown.out);
  auto verified = step.verify(&*receipt);
  REQUIRE(verified);
  CHECK_MESSAGE(verified->in_effect, verified->detail);

  REQUIRE_MESSAGE(step.undo(*receipt), "undo");
  CHECK(slurp("/etc/exports") == exports_before);
  CHECK(slurp("/etc/exports.d/extra.exports") == extra_before);
  table = read_export_table(NfsExportsLab::etab());
  CHECK(export_entry_writable(table[data.string()][0]));
}

TEST_CASE("share.readonly rejects an unknown share export or mount path as bad input and changes nothing") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  NfsExportsLab lab;
  REQUIRE_MESSAGE(lab.error().empty(), lab.error());
  NfsExportsLab::write("/etc/exports", lab.export_dir("known").string() + " 127.0.0.1(rw)\n");
  TempDir dir;
  auto config = dir.write("smb.conf", "[global]\n[data]\n\tpath = /srv\n\tread only = no\n");
  const std::string config_before = slurp(config), exports_before = slurp("/etc/exports");
  responder::testing::ModuleStep step("share.readonly", "bad");

  json::object samba = named("samba", {"nosuch"});
  samba["samba_config"] = config.string();
  auto r = step.apply(samba);
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::bad_input);
  CHECK_MESSAGE(r.error().message.find("[nosuch]") != std::string::npos, r.error().message);
  CHECK_MESSAGE(r.error().message.find(config.string()) != std::string::npos, r.error().message);

  r = step.apply(named("nfs", {"/srv/not-exported"}));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::bad_input);
  CHECK_MESSAGE(r.error().message.find("/srv/not-exported") != std::string::npos, r.error().message);

  r = step.apply(named("mounts", {"/nonexistent/responder-share"}));
  REQUIRE_FALSE(r);
  CHECK(r.error().kind == ErrorKind::bad_input);
  CHECK_MESSAGE(r.error().message.find("/nonexistent/responder-share") != std::string::npos, r.error().message);

  CHECK(slurp(config) == config_before);
  CHECK(slurp("/etc/exports") == exports_before);
}

TEST_CASE("share.readonly undoes the NFS change it made when a later mount fails") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  NfsExportsLab lab;
  REQUIRE_MESSAGE(lab.error().empty(), lab.error());
  auto data = lab.export_dir("data");
  NfsExportsLab::write("/etc/exports", data.string() + " 127.0.0.1(rw,no_subtree_check)\n");
  REQUIRE(testing::run_process({"exportfs", "-ra"}).exit_code == 0);
  const std::string exports_before = slurp("/etc/exports");
  DataVolume volume;
  int writer = ::open((volume.path / "held-open").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  REQUIRE(writer >= 0);

  responder::testing::ModuleStep step("share.readonly", "half");
  json::object params = named("nfs", {data.string()});
  params["mounts"] = json::array{json::value(volume.path.string())};
  auto r = step.apply(params);
  ::close(writer);
  REQUIRE_FALSE(r);
  CHECK_MESSAGE(r.error().message.find("open for writing") != std::string::npos, r.error().message);
  CHECK(slurp("/etc/exports") == exports_before);
  auto table = read_export_table(NfsExportsLab::etab());
  REQUIRE(!table[data.string()].empty());
  CHECK(export_entry_writable(table[data.string()][0]));
}

TEST_CASE("share.readonly rebuilds an exact receipt from its plan after a crash and undo with it restores everything") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  NfsExportsLab lab;
  REQUIRE_MESSAGE(lab.error().empty(), lab.error());
  auto data = lab.export_dir("data");
  NfsExportsLab::write("/etc/exports", data.string() + " 127.0.0.1(rw,no_subtree_check)\n");
  REQUIRE(testing::run_process({"exportfs", "-ra"}).exit_code == 0);
  const std::string exports_before = slurp("/etc/exports");
  DataVolume volume;
  const std::string options_before = options_at(volume.path);

  responder::testing::ModuleStep step("share.readonly", "crash");
  json::object params = named("nfs", {data.string()});
  params["mounts"] = json::array{json::value(volume.path.string())};
  auto plan = step.plan(params);
  REQUIRE_MESSAGE(plan, plan.error().message);
  auto before_apply = step.verify(nullptr, plan->detail);
  REQUIRE(before_apply);
  CHECK_FALSE(before_apply->in_effect);
  CHECK_FALSE(before_apply->recovered);

  auto receipt = step.apply(params);  // the receipt is "lost in the crash"
  REQUIRE_MESSAGE(receipt, receipt.error().message);
  auto recovered = step.verify(nullptr, plan->detail);
  REQUIRE(recovered);
  REQUIRE_MESSAGE(recovered->in_effect, recovered->detail);
  REQUIRE(recovered->recovered);
  REQUIRE(step.undo(*recovered->recovered));
  CHECK(slurp("/etc/exports") == exports_before);
  CHECK(options_at(volume.path) == options_before);
  CHECK(write_errno(volume.path) == 0);
}

TEST_CASE("NFS exports edit keeps every byte but the rw options of the named exports") {
  std::string text =
      "# /srv/a 1.2.3.4(rw)\n"
      "\"/srv/with space\" *(rw,sync) \\\n  10.0.0.0/8(rw)\n"
      "/srv/oct\\040al (rw) host(rw=x,rwx)\n"
      "/srv/a -rw,async host-a host-b(ro)\n"
      "/srv/b host(rw)\n";
  auto edit = exports_with_read_only(text, {"/srv/with space/", "/srv/oct al", "/srv/a", "/srv/none"});
  CHECK(edit.text ==
        "# /srv/a 1.2.3.4(rw)\n"
        "\"/srv/with space\" *(ro,sync) \\\n  10.0.0.0/8(ro)\n"
        "/srv/oct\\040al (ro) host(rw=x,rwx)\n"
        "/srv/a -ro,async host-a host-b(ro)\n"
        "/srv/b host(rw)\n");
  CHECK(edit.switched["/srv/with space"] == 2);
  CHECK(edit.switched["/srv/oct al"] == 1);
  CHECK(edit.switched["/srv/a"] == 1);
  CHECK(edit.found.count("/srv/none") == 0);
}

// The command-line tests check smb.conf with testparm, as the module does.
#define SKIP_WITHOUT_TESTPARM()                                 \
  do {                                                          \
    if (::access("/usr/bin/testparm", X_OK) != 0) {             \
      std::cerr << "SKIPPED: testparm is not installed\n";     \
      std::_Exit(77);                                           \
    }                                                           \
  } while (0)

// An smb.conf of its own in `dir` with one writable share, [evidence].
std::filesystem::path writable_share_config(const TempDir& dir) {
  return dir.write("smb.conf", "[global]\n\tpid directory = " + dir.path().string() + "\n\tlock directory = " +
                                   dir.path().string() + "\n[evidence]\n\tpath = /srv\n\tread only = no\n");
}

TEST_CASE("share.readonly from the command line - run, status and undo put smb.conf and the volume back exactly") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();  // the responder child inherits this namespace
  SKIP_WITHOUT_TESTPARM();
  DataVolume volume;
  TempDir dir;
  auto config = writable_share_config(dir);
  const std::string config_before = slurp(config), options_before = options_at(volume.path);
  auto playbook = dir.write("readonly.yaml", "name: freeze-shares\nstages:\n  isolate-and-contain:\n"
                                             "    - id: freeze\n      module: share.readonly\n"
                                             "      with: {samba: [evidence], samba_config: \"" + config.string() +
                                             "\", mounts: [\"" + volume.path.string() + "\"]}\n");
  auto responder_cli = [&](std::vector<std::string> args) {
    std::vector<std::string> argv{RESPONDER_BINARY, "--home", (dir / "incidents").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::run_process(argv, {"RESPONDER_CONFIG=", "SSH_CONNECTION="});
  };

  auto run = responder_cli({"run", playbook.string(), "--incident", "SHR1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  CHECK(write_errno(volume.path) == EROFS);
  CHECK(slurp(config).find("incident SHR1 step freeze") != std::string::npos);
  auto status = responder_cli({"status", "SHR1"});
  CHECK_MESSAGE(status.out.find("freeze [share.readonly] in effect") != std::string::npos, status.out);

  auto undo = responder_cli({"undo", "SHR1"});
  INFO(undo.out << undo.err);
  CHECK(undo.exit_code == 0);
  // Undo says what it gave back, not the words of the freeze.
  CHECK(undo.out.find("Samba share [evidence] is writable again") != std::string::npos);
  CHECK(undo.out.find("remounted " + volume.path.string() + " as before (" + options_before + ")") != std::string::npos);
  CHECK(slurp(config) == config_before);
  CHECK(options_at(volume.path) == options_before);
  CHECK(write_errno(volume.path) == 0);
  CHECK(responder_cli({"journal", "SHR1", "--verify"}).exit_code == 0);
}

TEST_CASE("share.readonly in a playbook through de-escalation - containment.undo gives the share back and the report shows when") {
  RESPONDER_REQUIRE_PRIVATE_MOUNTS();
  SKIP_WITHOUT_TESTPARM();
  DataVolume volume;
  TempDir dir;
  auto config = writable_share_config(dir);
  const std::string config_before = slurp(config), options_before = options_at(volume.path);
  auto playbook = dir.write("deesc.yaml", "name: freeze-then-release\nstages:\n  isolate-and-contain:\n"
                                          "    - id: freeze\n      module: share.readonly\n"
                                          "      with: {samba: [evidence], samba_config: \"" + config.string() +
                                          "\", mounts: [\"" + volume.path.string() + "\"]}\n"
                                          "  de-escalation:\n    - id: release\n      module: containment.undo\n"
                                          "    - id: write-report\n      module: report.write\n      with: {format: [json]}\n");
  auto run = testing::run_process({RESPONDER_BINARY, "--home", (dir / "incidents").string(), "run", playbook.string(),
                                   "--incident", "SHR2"},
                                  {"RESPONDER_CONFIG=", "SSH_CONNECTION="});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  // Given back exactly, as the live components show it.
  CHECK(slurp(config) == config_before);
  CHECK(options_at(volume.path) == options_before);
  CHECK(write_errno(volume.path) == 0);
  std::filesystem::path report;
  for (auto& e : std::filesystem::directory_iterator(dir / "incidents" / "SHR2" / "reports")) report = e.path();
  auto doc = parse_json(slurp(report)).as_object();
  auto& containment = doc.at("containment").as_array();
  REQUIRE(containment.size() == 1);
  CHECK_FALSE(containment[0].at("in_force").as_bool());
  CHECK(containment[0].at("released").is_string());
  auto& crs = doc.at("change_requests").as_array();
  REQUIRE(crs.size() == 1);
  CHECK(crs[0].at("backout").as_string().find("responder undo SHR2 --step freeze") == 0);
}
