// Exporting a sealed bundle for legal staff: one tar file that `responder
// evidence verify` accepts as it is, and that plain `tar -xf` followed by
// `sha256sum -c manifest.sha256` (inside the unpacked `<ID>-evidence/`)
// checks without our tool.
#pragma once

#include <filesystem>
#include <string>

#include "responder/result.h"

namespace responder::evidence {

struct ExportOutcome {
  std::filesystem::path archive;
  std::string sha256;       // of the tar file, also written to <archive>.sha256
  std::size_t files = 0;
};

// Records the export in the custody log first (so the bundle carries its own
// export record), then writes the archive under the store's lock. Refused
// for an unsealed bundle, and when `archive` already exists.
Result<ExportOutcome> export_evidence(const std::filesystem::path& evidence_directory, const std::string& incident_id,
                                      const std::filesystem::path& archive, const std::string& actor,
                                      const std::string& why);

}  // namespace responder::evidence
