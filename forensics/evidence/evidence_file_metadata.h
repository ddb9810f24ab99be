// What the file system says about a file, recorded beside its copy.
#pragma once

#include <sys/stat.h>

#include "responder/json.h"

namespace responder::evidence {

// {"size", "inode", "device", "links", "uid", "owner", "gid", "group",
//  "mode" ("0640"), "type", "mtime"/"atime"/"ctime"/"btime": {"utc", "ns"}}
// from statx(2); btime only where the file system keeps it.
json::object file_metadata(const struct statx& st);

// statx of an open file descriptor; false on failure.
bool statx_fd(int fd, struct statx& st);

}  // namespace responder::evidence
