#include "responder/chained_log/reader.h"

#include <map>

#include "responder/chained_log/format.h"
#include "responder/sha256.h"

namespace responder::chained_log {

std::string Record::text(std::string_view key) const {
  if (auto* v = fields.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return "";
}

Result<Record> parse_line(std::string_view text, std::size_t line) {
  json::value parsed;
  try {
    parsed = parse_json(text);
  } catch (const std::exception&) {
    return failure("line " + std::to_string(line) + " is not a JSON record");
  }
  if (!parsed.is_object()) return failure("line " + std::to_string(line) + " is not a JSON object");
  Record record;
  record.fields = std::move(parsed.get_object());
  record.line = line;
  record.hash = sha256_hex(text);
  if (auto* s = record.fields.if_contains("seq"); s && s->is_int64() && s->get_int64() > 0)
    record.seq = static_cast<std::uint64_t>(s->get_int64());
  return record;
}

Result<Contents> parse(std::string_view bytes, const std::string& origin) {
  Contents contents;
  std::size_t pos = 0, line = 0;
  while (pos < bytes.size()) {
    auto end = bytes.find('\n', pos);
    if (end == std::string_view::npos) {
      contents.torn_tail = TornTail{pos, bytes.size() - pos};
      break;
    }
    auto record = parse_line(bytes.substr(pos, end - pos), ++line);
    if (!record) return failure(origin + ": " + record.error().message);
    record->offset = pos;
    contents.records.push_back(std::move(*record));
    pos = end + 1;
  }
  return contents;
}

Result<Witness> parse_witness(std::string_view text, std::string_view option) {
  auto colon = text.find(':');
  auto bad = [&] {
    return bad_input(std::string(option) + " '" + std::string(text.substr(0, 200)) +
                     "': expected SEQ:SHA256, as `run` and `status` print it (e.g. 42:9f86d0...)");
  };
  if (colon == std::string_view::npos || colon == 0 || colon > 19) return bad();
  Witness witness;
  for (char c : text.substr(0, colon)) {
    if (c < '0' || c > '9') return bad();
    witness.seq = witness.seq * 10 + static_cast<std::uint64_t>(c - '0');
  }
  auto hash = text.substr(colon + 1);
  if (witness.seq == 0 || hash.size() != 64) return bad();
  for (char c : hash) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return bad();
    witness.sha256 += static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  }
  return witness;
}

ChainReport verify(std::string_view bytes, const std::vector<Witness>& witnesses, std::string_view subject,
                   const Reporter& reporter) {
  ChainReport report;
  std::string prefix = subject.empty() ? std::string() : std::string(subject) + " ";
  auto problem = [&](std::size_t line, std::string text, bool is_break = true) {
    report.intact = false;
    if (is_break && report.breaks++ == 0) report.first_break = text;
    if (reporter) reporter(Problem{line, is_break, text});
    report.problems.push_back(std::move(text));
  };
  std::string previous_hash(kZeroHash);
  std::size_t pos = 0, line = 0;
  std::map<std::uint64_t, std::string> wanted;
  for (auto& w : witnesses) wanted[w.seq] = w.sha256;
  while (pos < bytes.size()) {
    auto end = bytes.find('\n', pos);
    if (end == std::string_view::npos) {
      problem(line + 1,
              prefix + "line " + std::to_string(line + 1) + " is torn (no end of line; a write interrupted by a crash), " +
                  std::to_string(bytes.size() - pos) + " bytes",
              false);
      break;
    }
    ++line;
    std::string_view text = bytes.substr(pos, end - pos);
    auto record = parse_line(text, line);
    std::string label = prefix + "record " + std::to_string(line) + " (line " + std::to_string(line) + ")";
    if (!record) {
      problem(line, label + " is not valid JSON: it was changed");
    } else {
      auto* seq = record->fields.if_contains("seq");
      if (!seq || record->seq != line)
        problem(line, label + " has seq " + (seq ? to_json_text(*seq) : std::string("missing")) + ", expected " +
                          std::to_string(line) + ": records were removed, inserted or reordered");
      if (record->text("prev") != previous_hash) {
        if (line == 1)
          problem(line, label + ": prev should be 64 zeros; the start of the log was changed");
        else
          problem(line, label + ": prev does not match the SHA-256 of record " + std::to_string(line - 1) + "; record " +
                            std::to_string(line - 1) + " was changed, or a record was removed or inserted before " +
                            label);
      }
    }
    previous_hash = record ? record->hash : sha256_hex(text);
    if (auto w = wanted.find(line); w != wanted.end()) {
      if (w->second != previous_hash)
        problem(line, prefix + "record " + std::to_string(line) + " is not the record the witness " + std::to_string(line) +
                          ":" + w->second + " saw: it was rewritten since");
      wanted.erase(w);
    }
    pos = end + 1;
  }
  for (auto& [seq, hash] : wanted)
    problem(line + 1, "the witness " + std::to_string(seq) + ":" + hash + " saw " + prefix + "record " +
                          std::to_string(seq) + ", which is gone: the log ends at record " + std::to_string(line) +
                          ", so it was cut since");
  report.records = line;
  report.head = previous_hash;
  return report;
}

}  // namespace responder::chained_log
