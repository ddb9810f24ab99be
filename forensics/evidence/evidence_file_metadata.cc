#include "forensics/evidence/evidence_file_metadata.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/sysmacros.h>

#include <cstdio>

#include "forensics/evidence/evidence_time.h"

namespace responder::evidence {
namespace {

json::object stamp(const struct statx_timestamp& t) {
  timespec ts{};
  ts.tv_sec = t.tv_sec;
  ts.tv_nsec = t.tv_nsec;
  return time_record(ts);
}

std::string type_of(unsigned mode) {
  if (S_ISREG(mode)) return "file";
  if (S_ISDIR(mode)) return "directory";
  if (S_ISLNK(mode)) return "symlink";
  if (S_ISBLK(mode)) return "block device";
  if (S_ISCHR(mode)) return "character device";
  if (S_ISFIFO(mode)) return "fifo";
  if (S_ISSOCK(mode)) return "socket";
  return "unknown";
}

}  // namespace

bool statx_fd(int fd, struct statx& st) {
  return ::statx(fd, "", AT_EMPTY_PATH | AT_STATX_SYNC_AS_STAT, STATX_BASIC_STATS | STATX_BTIME, &st) == 0;
}

json::object file_metadata(const struct statx& st) {
  json::object m;
  m["size"] = static_cast<std::uint64_t>(st.stx_size);
  m["inode"] = static_cast<std::uint64_t>(st.stx_ino);
  m["device"] = std::to_string(st.stx_dev_major) + ":" + std::to_string(st.stx_dev_minor);
  m["links"] = static_cast<std::uint64_t>(st.stx_nlink);
  m["uid"] = static_cast<std::uint64_t>(st.stx_uid);
  if (passwd* pw = getpwuid(st.stx_uid)) m["owner"] = pw->pw_name;
  m["gid"] = static_cast<std::uint64_t>(st.stx_gid);
  if (group* gr = getgrgid(st.stx_gid)) m["group"] = gr->gr_name;
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", st.stx_mode & 07777);
  m["mode"] = mode;
  m["type"] = type_of(st.stx_mode);
  m["mtime"] = stamp(st.stx_mtime);
  m["atime"] = stamp(st.stx_atime);
  m["ctime"] = stamp(st.stx_ctime);
  if (st.stx_mask & STATX_BTIME) m["btime"] = stamp(st.stx_btime);
  return m;
}

}  // namespace responder::evidence
