// `responder release export ID --ansible DIR` and `responder release import
// ID RESULTS`: a release.push step handed to Ansible (AWX, Ansible
// Automation Platform) and its per-host outcome brought back into the
// journal, so the compliance table, status, undo and the report cover the
// hosts Ansible patched exactly as those responder patched itself.
#pragma once

#include <filesystem>
#include <string>

#include "responder/command.h"
#include "responder/targets/target_options.h"

namespace responder::release {

struct ExchangeOptions {
  std::string id, step;
  std::filesystem::path dir;  // export: where to write; import: results
  targets::TargetOptions targets;
};

// Checks the artifact's signature as a run would, writes the export (only
// hosts not yet patched) and journals `release.exported` (and the step's
// hosts when no run journaled them). Exit code as every command's.
int export_release(const GlobalOptions& globals, const ExchangeOptions& options);

// Reads and checks every result against the journaled export, then
// journals each host's outcome in one write; a result already imported
// changes nothing. Exit code as every command's.
int import_release(const GlobalOptions& globals, const ExchangeOptions& options);

// Takes back from Ansible every host of incident `id` still handed to it
// (journals `release.taken_back`), so the next native run patches them;
// their results, should they still come, are imported as for any host.
// Prints which hosts; Ok when there were none.
Status take_back_from_ansible(const GlobalOptions& globals, const std::string& id);

}  // namespace responder::release
