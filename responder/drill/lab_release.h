// The emergency patch a release drill pushes (Scenario::patch), made for
// the drill: two builds of one Debian package by dpkg-deb (the installed,
// vulnerable one and the fix), an Ed25519 key made by openssl for this drill
// alone, and the fix's detached signature, the way a release team signs one.
// Every lab host gets the installed build in its private dpkg database.
#pragma once

#include <filesystem>
#include <string>

#include "responder/drill/drill_lab.h"
#include "responder/drill/drill_scenario.h"
#include "responder/result.h"

namespace responder::drill {

struct LabRelease {
  std::filesystem::path installed_deb, fixed_deb;  // the fix's signature is fixed_deb + ".sig"
  std::filesystem::path public_key;                // PEM, for the configuration's keys.release
};

// Builds and signs in `lab`'s folder (release/), then installs the
// installed build on every host with the host's own dpkg.
Result<LabRelease> make_lab_release(const DrillLab& lab, const PatchDrill& patch);

// The version of `package` each host's dpkg has now, a line each
// ("web1 1.0.1"); "none" where it is not installed.
Result<std::vector<std::pair<std::string, std::string>>> installed_versions(const DrillLab& lab, const std::string& package);

}  // namespace responder::drill
