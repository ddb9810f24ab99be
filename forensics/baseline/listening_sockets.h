// Listening sockets as the kernel lists them in /proc/net/{tcp,tcp6,udp,udp6}
// of one network namespace: TCP sockets in LISTEN, UDP sockets bound and
// unconnected.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "forensics/baseline/baseline_file_format.h"

namespace responder::baseline {

// `net_dir` is /proc/net for the namespace this process is in, or
// /proc/PID/net for the one process PID is in. Records keyed
// "tcp 0.0.0.0:22", "udp6 [::]:53", with the program that holds each one
// (`process`, its comm; empty when no process of this PID namespace that
// we may look into holds it); a table that is absent is skipped.
std::vector<InventoryRecord> read_listening_sockets(const std::filesystem::path& net_dir);

// One table's text (exposed for tests): `protocol` is tcp, tcp6, udp or udp6.
// Records carry the socket's `inode` in `fields` until read_listening_sockets
// replaces it with the process.
std::vector<InventoryRecord> parse_socket_table(std::string_view protocol, std::string_view text);

}  // namespace responder::baseline
