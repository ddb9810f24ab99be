#include "forensics/custody_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "forensics/evidence_digest.h"
#include "forensics/evidence_durable_write.h"
#include "forensics/evidence_host.h"
#include "forensics/evidence_time.h"
#include "forensics/immutable_file.h"

namespace responder {
namespace {
std::filesystem::path custody_path(const std::filesystem::path& dir) { return dir / "custody.jsonl"; }
}  // namespace

Result<std::vector<std::string>> read_custody_lines(const std::filesystem::path& evidence_directory) {
  std::vector<std::string> lines;
  auto path = custody_path(evidence_directory);
  if (!std::filesystem::exists(path)) return lines;
  auto text = read_text_file(path);
  if (!text) return text.error();
  std::size_t start = 0;
  while (start < text->size()) {
    auto end = text->find('\n', start);
    if (end == std::string::npos) end = text->size();
    lines.push_back(text->substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

Result<std::vector<CustodyAppend>> append_custody(const std::filesystem::path& evidence_directory,
                                                  const std::vector<CustodyAct>& acts) {
  auto lines = read_custody_lines(evidence_directory);
  if (!lines) return lines.error();
  std::vector<CustodyAppend> results;
  std::string text;
  std::string prev = lines->empty() ? kZeroHash : sha256_hex(lines->back());
  for (auto& act : acts) {
    json::object entry;
    entry["seq"] = static_cast<std::int64_t>(lines->size() + results.size() + 1);
    entry["time"] = now_utc_ns();
    entry["act"] = act.act;
    entry["who"] = act.who;
    entry["where"] = host_name();
    entry["why"] = act.why;
    for (auto& [key, value] : act.details) entry[key] = value;
    entry["prev"] = prev;
    std::string line = to_json_text(entry);
    prev = sha256_hex(line);
    text += line + "\n";
    results.push_back({std::move(entry), {}});
  }
  if (acts.empty()) return results;

  auto path = custody_path(evidence_directory);
  bool created = lines->empty() && !std::filesystem::exists(path);
  // O_APPEND is the only way an append-only file may be opened for writing.
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return failure("cannot open " + path.string() + " for appending: " + std::strerror(errno));
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = errno;
  if (n != static_cast<ssize_t>(text.size()) || ::fsync(fd) != 0) {
    ::close(fd);
    return failure("cannot append to " + path.string() + ": " + std::strerror(n < 0 ? err : EIO));
  }
  if (created) {
    if (auto dir = fsync_directory(evidence_directory); !dir) {
      ::close(fd);
      return dir.error();
    }
  }
  if (Status flag = set_write_once(fd, WriteOnceFlag::append_only); !flag)
    for (auto& r : results) r.write_once_problem = flag.error().message;
  ::close(fd);
  return results;
}

Result<CustodyAppend> append_custody(const std::filesystem::path& evidence_directory, const CustodyAct& act) {
  auto appended = append_custody(evidence_directory, std::vector<CustodyAct>{act});
  if (!appended) return appended.error();
  return std::move(appended->front());
}

std::vector<std::string> custody_chain_problems(const std::vector<std::string>& lines) {
  std::vector<std::string> problems;
  std::string expected_prev = kZeroHash;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string where = "custody line " + std::to_string(i + 1);
    json::value parsed;
    try {
      parsed = parse_json(lines[i]);
    } catch (const std::exception&) {
      problems.push_back(where + ": not valid JSON (edited or damaged)");
      expected_prev = sha256_hex(lines[i]);
      continue;
    }
    if (!parsed.is_object()) {
      problems.push_back(where + ": not a JSON object");
      expected_prev = sha256_hex(lines[i]);
      continue;
    }
    auto& entry = parsed.get_object();
    auto* seq = entry.if_contains("seq");
    if (!seq || !seq->is_int64() || seq->get_int64() != static_cast<std::int64_t>(i + 1))
      problems.push_back(where + ": sequence number is " + (seq ? to_json_text(*seq) : std::string("missing")) +
                         ", expected " + std::to_string(i + 1) + " (lines removed, added or reordered)");
    auto* prev = entry.if_contains("prev");
    if (!prev || !prev->is_string() || prev->get_string() != expected_prev)
      problems.push_back(where + ": does not chain to the line before it (" +
                         (i == 0 ? std::string("first line must have prev = 64 zeros")
                                 : "line " + std::to_string(i) + " was edited, removed or reordered") +
                         ")");
    expected_prev = sha256_hex(lines[i]);
  }
  return problems;
}

}  // namespace responder
