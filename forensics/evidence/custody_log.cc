#include "forensics/evidence/custody_log.h"

#include "forensics/evidence/evidence_host.h"
#include "forensics/evidence/evidence_time.h"
#include "forensics/evidence/immutable_file.h"
#include "responder/chained_log/format.h"
#include "responder/chained_log/writer.h"
#include "responder/sha256.h"

namespace responder::evidence {
namespace {
std::filesystem::path custody_path(const std::filesystem::path& dir) { return dir / "custody.jsonl"; }
}  // namespace

Result<std::vector<std::string>> read_custody_lines(const std::filesystem::path& evidence_directory) {
  std::vector<std::string> lines;
  auto path = custody_path(evidence_directory);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return lines;
  auto text = chained_log::default_file_system().read_file(path);
  if (!text) return text.error();
  std::size_t start = 0;
  while (start < text->size()) {
    auto end = text->find('\n', start);
    // A last line without its newline is a write a crash cut short: not a
    // line of the chain (the next append keeps its bytes aside).
    if (end == std::string::npos) break;
    lines.push_back(text->substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

Result<std::vector<CustodyAppend>> append_custody(const std::filesystem::path& evidence_directory,
                                                  const std::vector<CustodyAct>& acts) {
  std::vector<CustodyAppend> results;
  if (acts.empty()) return results;
  auto log = chained_log::Writer::open(custody_path(evidence_directory), chained_log::OpenMode::create_if_missing, 0644);
  if (!log) return log.error();
  std::vector<chained_log::Entry> entries;
  for (auto& act : acts) {
    chained_log::Entry entry;
    entry.header["time"] = now_utc_ns();
    entry.header["act"] = act.act;
    entry.header["who"] = act.who;
    entry.header["where"] = host_name();
    entry.header["why"] = act.why;
    entry.payload = act.details;
    entries.push_back(std::move(entry));
  }
  auto appended = log->append(std::move(entries));
  if (!appended) return appended.error();
  Status flag = set_write_once(log->descriptor(), WriteOnceFlag::append_only);
  for (auto& record : *appended)
    results.push_back({std::move(record.fields), flag ? std::string() : flag.error().message});
  return results;
}

Result<CustodyAppend> append_custody(const std::filesystem::path& evidence_directory, const CustodyAct& act) {
  auto appended = append_custody(evidence_directory, std::vector<CustodyAct>{act});
  if (!appended) return appended.error();
  return std::move(appended->front());
}

std::vector<std::string> custody_chain_problems(const std::vector<std::string>& lines) {
  std::string bytes;
  for (auto& line : lines) {
    bytes += line;
    bytes += '\n';
  }
  return chained_log::verify(bytes, {}, "custody.jsonl").problems;
}

std::string custody_head(const std::vector<std::string>& lines) {
  return lines.empty() ? std::string(chained_log::kZeroHash) : sha256_hex(lines.back());
}

}  // namespace responder::evidence
