#include "responder/drill/lab_release.h"

#include "responder/child_process.h"
#include "responder/durable_file.h"

namespace responder::drill {
namespace {

Result<std::filesystem::path> build_deb(const std::filesystem::path& dir, const PatchDrill& patch, const std::string& version) {
  auto tree = dir / ("tree-" + version);
  std::error_code ec;
  std::filesystem::create_directories(tree / "DEBIAN", ec);
  std::filesystem::create_directories(tree / "opt" / patch.package, ec);
  if (ec) return failure("cannot make the drill's package tree " + tree.string() + ": " + ec.message());
  // dpkg-deb refuses a control folder a restrictive umask made.
  for (auto& folder : {tree, tree / "DEBIAN", tree / "opt", tree / "opt" / patch.package})
    std::filesystem::permissions(folder, std::filesystem::perms(0755), ec);
  if (auto s = write_file_atomically(tree / "DEBIAN" / "control",
                                     "Package: " + patch.package + "\nVersion: " + version +
                                         "\nArchitecture: all\nMaintainer: responder drill <drill@lab.invalid>\n"
                                         "Description: the responder drill's stand-in for a vulnerable service's package\n",
                                     0644);
      !s)
    return s.error();
  if (auto s = write_file_atomically(tree / "opt" / patch.package / "VERSION", version + "\n", 0644); !s) return s.error();
  auto deb = dir / (patch.package + "_" + version + "_all.deb");
  if (auto s = run_program_checked({"dpkg-deb", "--root-owner-group", "--build", tree.string(), deb.string()}, "building " + deb.filename().string(), std::chrono::minutes(2));
      !s)
    return s.error();
  return deb;
}

}  // namespace

Result<LabRelease> make_lab_release(const DrillLab& lab, const PatchDrill& patch) {
  // Installed only where each host's dpkg database and /opt are its own.
  if (!lab.has_private_packages()) return failure("the lab's hosts have no dpkg database of their own; no package is installed");
  for (std::size_t i = 0; i < lab.host_count(); ++i)
    if (auto s = run_program_checked(lab.in_host(i, {"sh", "-c", "mountpoint -q /var/lib/dpkg && mountpoint -q /opt"}),
                             lab.host(i).name + "'s /var/lib/dpkg and /opt are not its own mounts; no package is installed");
        !s)
      return s.error();
  const auto dir = lab.dir() / "release";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return failure("cannot make " + dir.string() + ": " + ec.message());
  LabRelease release;
  auto installed = build_deb(dir, patch, patch.installed);
  if (!installed) return installed.error();
  auto fixed = build_deb(dir, patch, patch.fixed);
  if (!fixed) return fixed.error();
  release.installed_deb = *installed;
  release.fixed_deb = *fixed;
  const auto key = dir / "release.key";
  release.public_key = dir / "release.pub";
  // The key's file is made empty and root-only first: openssl keeps the
  // mode of a file it writes into.
  if (auto s = write_file_atomically(key, "", 0600); !s) return s.error();
  for (auto& [argv, what] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"openssl", "genpkey", "-algorithm", "ed25519", "-out", key.string()}, "making the drill's release key"},
           {{"openssl", "pkey", "-in", key.string(), "-pubout", "-out", release.public_key.string()}, "writing its public key"},
           {{"openssl", "pkeyutl", "-sign", "-rawin", "-inkey", key.string(), "-in", release.fixed_deb.string(), "-out",
             release.fixed_deb.string() + ".sig"},
            "signing the fix"}})
    if (auto s = run_program_checked(argv, what, std::chrono::minutes(2)); !s) return s.error();
  for (std::size_t i = 0; i < lab.host_count(); ++i)
    if (auto s = run_program_checked(lab.in_host(i, {"dpkg", "--no-triggers", "-i", release.installed_deb.string()}),
                             "installing " + patch.package + " " + patch.installed + " on " + lab.host(i).name, std::chrono::minutes(2));
        !s)
      return s.error();
  return release;
}

Result<std::vector<std::pair<std::string, std::string>>> installed_versions(const DrillLab& lab, const std::string& package) {
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < lab.host_count(); ++i) {
    auto argv = lab.in_host(i, {"dpkg-query", "-W", "-f=${Status} ${Version}", package});
    auto r = run_program(argv, {}, std::chrono::seconds(30));
    if (!r) return r.error();
    // "install ok installed 1.0.1"; dpkg-query exits 1 for a package it does not know.
    std::string version = "none";
    if (r->exit_code == 0 && r->out.rfind("install ok installed ", 0) == 0) version = r->out.substr(21);
    out.emplace_back(lab.host(i).name, version);
  }
  return out;
}

}  // namespace responder::drill
