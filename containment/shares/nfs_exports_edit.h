// Switching NFS exports from rw to ro in exports(5) text, and reading back
// what the export table (/var/lib/nfs/etab) holds.
//
// Only the `rw` option words of the named exports change, each to `ro` (the
// same length), so every other byte of the file stays where it was:
// comments, quoting, backslash continuations and other exports included.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace responder::shares {

struct ExportsEdit {
  std::string text;                        // the file with rw switched to ro
  std::map<std::string, int> switched;     // export path -> rw options switched
  std::set<std::string> found;             // named export paths the file defines
};

// `paths` are compared after removing trailing slashes; export paths may be
// quoted ("/srv/a b") or use octal escapes (\040). Covers per-client options
// `host(rw,...)`, options for everybody `(rw)` and default options `-rw`.
ExportsEdit exports_with_read_only(std::string_view text, const std::vector<std::string>& paths);

// "/srv/data/" -> "/srv/data": how export paths are compared.
std::string export_path_key(std::string_view path);

// The export table exportfs maintains: export path -> one option list per
// client ("127.0.0.1(ro,sync,...)"). Empty when the file does not exist.
std::map<std::string, std::vector<std::string>> read_export_table(const std::string& etab_text);

// True when an etab client entry's options grant read-write.
bool export_entry_writable(const std::string& client_entry);

}  // namespace responder::shares
