// What cron runs: each command line (and variable setting) of /etc/crontab,
// /etc/cron.d/*, and the users' crontabs in /var/spool/cron/crontabs (Debian)
// and /var/spool/cron (Red Hat). The run-parts folders (/etc/cron.daily, ...)
// are files under /etc and compared as such.
#pragma once

#include <filesystem>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

// Records keyed "FILE: LINE" (runs of blanks made one space): file, line, user.
std::vector<InventoryRecord> read_crontab_entries(const std::filesystem::path& root);

}  // namespace responder::baseline
