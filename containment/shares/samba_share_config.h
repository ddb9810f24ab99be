// Making Samba shares read-only by editing smb.conf text.
//
// Samba reads a share's parameters in order and a later assignment wins, so
// appending `read only = yes` and an empty `write list =` as the last lines of
// the share's section neutralises every earlier `read only = no`,
// `writeable`/`writable`/`write ok = yes` (synonyms of the inverse) and
// `write list` (which overrides read only for its users), without rewriting
// a line somebody else wrote. The rest of the file is kept byte for byte.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "responder/result.h"

namespace responder::shares {

// `text` with `read only = yes` and `write list =` appended, under a comment
// line `# <marker>`, after the last parameter of each named share's section
// (its last section when the name appears twice). Share names compare
// without regard to case, as Samba does.
//
// Errors: bad_input naming the share and `file` when a share has no section;
// refusal when [global] keeps the configuration in the registry
// (`config backend = registry` or `include = registry`): smbd then ignores
// the file's shares and this module does not edit the registry.
Result<std::string> samba_config_with_read_only_shares(std::string_view text, const std::vector<std::string>& shares,
                                                       const std::string& marker, const std::filesystem::path& file);

}  // namespace responder::shares
