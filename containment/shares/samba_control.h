// Talking to Samba through its own tools, with argv vectors: testparm to read
// a share's effective parameters from a configuration file, smbcontrol to make
// the smbd that uses that file reload it and drop connections to a share.
//
// Every call names the configuration file: smbcontrol finds smbd's pid and
// messaging sockets through the directories that file sets, so a non-default
// smbd (another config, another pid directory) is reached too.
#pragma once

#include <filesystem>
#include <string>

#include "responder/result.h"

namespace responder::shares {

// A share's effective value of `parameter` ("Yes", "No", "" for an empty
// list) as testparm computes it from `config`, includes and all.
Result<std::string> samba_share_parameter(const std::filesystem::path& config, const std::string& share,
                                          const std::string& parameter);

// True when testparm says the share is read-only for everybody: `read only`
// is Yes and `write list` is empty.
Result<bool> samba_share_read_only(const std::filesystem::path& config, const std::string& share);

enum class SmbdReload { reloaded, not_running };

// `smbcontrol --configfile=CONFIG smbd reload-config`. not_running when no
// smbd uses that configuration (the file's state then applies at its start).
Result<SmbdReload> reload_smbd(const std::filesystem::path& config);

// `smbcontrol --configfile=CONFIG smbd close-share SHARE`: smbd decides
// read-only at tree connect, so connections made before a reload keep their
// write access until they are closed; clients reconnect and get the new state.
Status close_samba_share(const std::filesystem::path& config, const std::string& share);

}  // namespace responder::shares
