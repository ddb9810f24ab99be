// The volatile state evidence.capture can read, one reader per artifact.
//
// A reader emits one JSON object per record (a process, a socket, a route);
// the capture stamps each with "read_at", the UTC time in nanoseconds at
// which that record was read, and writes them as JSON Lines. A reader that
// cannot read part of its source emits a record {"error": "..."} and goes
// on: partial evidence, clearly marked, beats none.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "responder/json.h"

namespace responder::evidence {

struct ArtifactRequest {
  std::vector<int> pids;  // for maps: empty means every process
};

using ArtifactEmit = std::function<void(json::object record)>;

struct ArtifactReader {
  const char* name;    // "processes"
  const char* source;  // "/proc/<pid>/{stat,status,cmdline,exe,cwd}"
  void (*read)(const ArtifactRequest& request, const ArtifactEmit& emit);
};

// Every reader, most volatile first (RFC 3227 order of volatility).
const std::vector<ArtifactReader>& artifact_readers();

// Readers, by concept (evidence_artifact_*.cc).
void read_processes(const ArtifactRequest&, const ArtifactEmit&);
void read_open_files(const ArtifactRequest&, const ArtifactEmit&);
void read_maps(const ArtifactRequest&, const ArtifactEmit&);
void read_sockets(const ArtifactRequest&, const ArtifactEmit&);
void read_routes(const ArtifactRequest&, const ArtifactEmit&);
void read_arp(const ArtifactRequest&, const ArtifactEmit&);
void read_users(const ArtifactRequest&, const ArtifactEmit&);
void read_modules(const ArtifactRequest&, const ArtifactEmit&);
void read_mounts(const ArtifactRequest&, const ArtifactEmit&);
void read_firewall(const ArtifactRequest&, const ArtifactEmit&);
void read_services(const ArtifactRequest&, const ArtifactEmit&);

// The numeric process directories under /proc, ascending.
std::vector<int> live_pids();
// The lines of a text file (empty if unreadable).
std::vector<std::string> file_lines(const std::string& path);

}  // namespace responder::evidence
