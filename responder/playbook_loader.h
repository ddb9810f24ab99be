// Loading and validating playbooks: every problem at once, each located as
// FILE:LINE:COL, before anything runs.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "responder/diagnostic.h"
#include "responder/playbook.h"

namespace responder {

struct LoadedPlaybook {
  std::optional<Playbook> playbook;      // set when there are no errors
  std::vector<Diagnostic> diagnostics;   // errors and warnings, in file order
};

// Largest playbook file accepted (bytes); anything bigger is refused unread.
inline constexpr std::size_t kMaxPlaybookBytes = 1 << 20;

LoadedPlaybook load_playbook_file(const std::filesystem::path& path);
// `origin` names the text in diagnostics (a file name).
LoadedPlaybook load_playbook_text(const std::string& text, const std::string& origin);

}  // namespace responder
