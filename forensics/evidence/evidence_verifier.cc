#include "forensics/evidence/evidence_verifier.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>

#include "forensics/evidence/custody_log.h"
#include "forensics/evidence/evidence_digest.h"
#include "responder/durable_file.h"
#include "forensics/evidence/evidence_item.h"
#include "forensics/evidence/evidence_signature.h"
#include "forensics/evidence/evidence_timestamp.h"
#include "forensics/evidence/immutable_file.h"
#include "forensics/evidence/merkle_tree.h"

namespace responder::evidence {
namespace {

class Findings {
 public:
  explicit Findings(VerifyReport& report) : report_(report) {}
  void holds(std::string subject, std::string detail) { add(Outcome::holds, std::move(subject), std::move(detail)); }
  void broken(std::string subject, std::string detail) { add(Outcome::broken, std::move(subject), std::move(detail)); }
  void note(std::string subject, std::string detail) { add(Outcome::note, std::move(subject), std::move(detail)); }

 private:
  void add(Outcome o, std::string s, std::string d) { report_.findings.push_back({o, std::move(s), std::move(d)}); }
  VerifyReport& report_;
};

std::string text_field(const json::object& o, const char* key) {
  if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return "";
}

std::int64_t int_field(const json::object& o, const char* key) {
  if (auto* v = o.if_contains(key)) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  }
  return -1;
}

std::string short_hash(const std::string& h) { return h.size() > 16 ? h.substr(0, 16) + "…" : h; }

// Paths inside the bundle must stay inside it.
bool safe_relative(const std::string& path) {
  if (path.empty() || path.front() == '/') return false;
  for (auto& part : std::filesystem::path(path)) if (part == "..") return false;
  return true;
}

void check_flag(Findings& out, const std::filesystem::path& dir, const std::string& name, WriteOnceFlag flag,
                bool claimed) {
  auto has = has_write_once(dir / name, flag);
  if (!has) {
    out.note(name, write_once_name(flag) + " attribute cannot be read: " + has.error().message);
  } else if (*has) {
    out.holds(name, write_once_name(flag) + " attribute in force");
  } else if (claimed) {
    out.broken(name, "the record says it is " + write_once_name(flag) + ", but the attribute has been removed");
  } else {
    out.note(name, "NOT " + write_once_name(flag) + " (the file system refused it when recorded)");
  }
}

}  // namespace

bool VerifyReport::holds() const { return broken() == 0 && !findings.empty(); }

std::size_t VerifyReport::broken() const {
  std::size_t n = 0;
  for (auto& f : findings) n += f.outcome == Outcome::broken;
  return n;
}

std::vector<std::string> evidence_leaves(const json::array& item_records, const std::vector<std::string>& custody_lines) {
  std::vector<std::string> leaves;
  for (auto& record : item_records) leaves.push_back("item " + to_json_text(record));
  for (auto& line : custody_lines) leaves.push_back("custody " + line);
  return leaves;
}

std::vector<std::string> item_problems(const std::filesystem::path& evidence_directory, const json::object& record) {
  std::vector<std::string> problems;
  auto item = EvidenceItem::from_json(record);
  if (!item) return {item.error().message};
  if (!safe_relative(item->path)) return {"the record's path leaves the bundle"};
  auto path = evidence_directory / item->path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return {"missing: the file has been deleted or renamed"};
    return {std::string("cannot be read: ") + std::strerror(errno)};
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  StreamHasher hasher(item->chunk_size, item->size > item->chunk_size);
  std::string read_error;
  for (;;) {
    auto block = hasher.acquire();
    ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0 && errno == EINTR) { hasher.submit(0); continue; }
    if (n < 0) { read_error = std::strerror(errno); hasher.submit(0); break; }
    hasher.submit(static_cast<std::size_t>(n));
    if (n == 0) break;
  }
  ::close(fd);
  StreamDigest digest = hasher.finish();
  if (!read_error.empty()) problems.push_back("read error: " + read_error);
  if (digest.size != item->size)
    problems.push_back("size is " + std::to_string(digest.size) + " bytes, recorded " + std::to_string(item->size) +
                       (digest.size < item->size ? " (truncated)" : " (grown)"));
  if (digest.sha256 != item->sha256) {
    std::string which;
    std::size_t differing = 0;
    std::size_t chunks = std::max(digest.chunks.size(), item->chunks.size());
    for (std::size_t i = 0; i < chunks; ++i) {
      bool same = i < digest.chunks.size() && i < item->chunks.size() && digest.chunks[i] == item->chunks[i];
      if (!same) {
        if (differing++ < 8) which += (which.empty() ? "" : ", ") + std::to_string(i + 1);
      }
    }
    problems.push_back("SHA-256 is " + short_hash(digest.sha256) + ", recorded " + short_hash(item->sha256) +
                       " (content changed; differs in chunk " + which + (differing > 8 ? ", …" : "") + " of " +
                       std::to_string(item->chunks.size()) + ")");
  } else if (digest.chunks != item->chunks) {
    problems.push_back("whole-file SHA-256 matches but the recorded chunk hashes do not (manifest edited)");
  }
  return problems;
}

VerifyReport verify_evidence(const std::filesystem::path& dir, const VerifyOptions& options) {
  VerifyReport report;
  Findings out(report);
  if (!std::filesystem::is_directory(dir)) {
    out.broken(dir.string(), "no such evidence directory");
    return report;
  }

  // --- custody chain ---------------------------------------------------------
  std::vector<std::string> custody;
  if (!std::filesystem::exists(dir / "custody.jsonl")) {
    out.broken("custody.jsonl", "missing: the chain of custody has been deleted");
  } else if (auto lines = read_custody_lines(dir); !lines) {
    out.broken("custody.jsonl", lines.error().message);
  } else {
    custody = std::move(*lines);
    auto problems = custody_chain_problems(custody);
    for (auto& p : problems) out.broken("custody.jsonl", p);
    if (problems.empty()) out.holds("custody.jsonl", std::to_string(custody.size()) + " entries, chain unbroken");
  }

  // --- manifest --------------------------------------------------------------
  std::string manifest_text;
  json::object manifest;
  json::array items;
  if (auto text = read_text_file(dir / "manifest.json"); !text) {
    out.broken("manifest.json", "missing or unreadable: " + text.error().message);
  } else {
    manifest_text = std::move(*text);
    try {
      auto value = parse_json(manifest_text);
      if (value.is_object()) manifest = value.get_object();
    } catch (const std::exception& e) {
      out.broken("manifest.json", std::string("not valid JSON (edited or damaged): ") + e.what());
    }
    if (auto* list = manifest.if_contains("items"); list && list->is_array()) items = list->get_array();
    else if (!manifest.empty()) out.broken("manifest.json", "has no item list");
  }

  // --- seal ------------------------------------------------------------------
  json::object seal;
  std::string seal_text;
  bool sealed = std::filesystem::exists(dir / "seal.json");
  if (!sealed) {
    out.broken("seal.json", "the bundle is not sealed: nothing proves it has not changed (run evidence.seal)");
  } else if (auto text = read_text_file(dir / "seal.json"); !text) {
    out.broken("seal.json", text.error().message);
  } else {
    seal_text = std::move(*text);
    try {
      auto value = parse_json(seal_text);
      if (value.is_object()) seal = value.get_object();
    } catch (const std::exception&) {
    }
    if (seal.empty()) out.broken("seal.json", "not a valid seal statement (edited or damaged)");
  }
  if (sealed) {
    auto pub = read_text_file(dir / "seal.pub");
    auto sig = read_text_file(dir / "seal.sig");
    if (!pub) out.broken("seal.pub", "missing: the public key has been removed");
    if (!sig) out.broken("seal.sig", "missing: the signature has been removed");
    if (pub && sig && !seal_text.empty()) {
      auto fingerprint = public_key_fingerprint(*pub);
      auto raw = raw_key_fingerprint(*pub);
      std::string named = text_field(seal, "public_key_sha256");
      // Bundles sealed by earlier builds name the key by its raw bytes' hash.
      auto is_this_key = [&](const std::string& fp) {
        std::string lower = fp;
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return lower == *fingerprint || (raw && lower == *raw);
      };
      if (!fingerprint) {
        out.broken("seal.pub", "not an Ed25519 public key: " + fingerprint.error().message);
      } else {
        if (!is_this_key(named))
          out.broken("seal.pub", "public key swapped: its fingerprint " + short_hash(*fingerprint) +
                                     " is not the key the seal names (" + short_hash(named) + ")");
        if (!options.expected_fingerprint.empty() && !is_this_key(options.expected_fingerprint))
          out.broken("seal.pub", "public key " + short_hash(*fingerprint) +
                                     " is not the key kept apart from the bundle (" +
                                     short_hash(options.expected_fingerprint) + ")");
        else if (!options.expected_fingerprint.empty())
          out.holds("seal.pub", "is the key kept apart from the bundle");
        else
          out.note("seal.pub", "fingerprint " + *fingerprint +
                                   "; compare it with the one printed at sealing (or pass --fingerprint)");
      }
      if (Status v = verify_ed25519(*pub, seal_text, *sig); v)
        out.holds("seal.sig", "Ed25519 signature of seal.json verifies with seal.pub");
      else
        out.broken("seal.sig", "signature does not verify: seal.json, seal.sig or seal.pub has been replaced");
    }
  }

  if (!seal.empty() && !manifest_text.empty()) {
    std::string sealed_manifest = text_field(seal, "manifest_sha256");
    if (sha256_hex(manifest_text) == sealed_manifest) out.holds("manifest.json", "is the manifest that was sealed");
    else out.broken("manifest.json", "changed after sealing (SHA-256 " + short_hash(sha256_hex(manifest_text)) +
                                         ", sealed " + short_hash(sealed_manifest) + ")");
    if (auto sums = read_text_file(dir / "manifest.sha256"); !sums)
      out.broken("manifest.sha256", "missing");
    else if (sha256_hex(*sums) != text_field(seal, "manifest_sums_sha256"))
      out.broken("manifest.sha256", "changed after sealing");
    else
      out.holds("manifest.sha256", "is the checksum list that was sealed");

    // The Merkle root over the item records and the custody lines sealed.
    std::int64_t sealed_custody = int_field(seal, "custody_entries");
    if (sealed_custody < 0 || static_cast<std::size_t>(sealed_custody) > custody.size()) {
      out.broken("custody.jsonl", "has " + std::to_string(custody.size()) + " entries but " +
                                      std::to_string(sealed_custody) + " were sealed (truncated)");
    } else {
      std::vector<std::string> sealed_lines(custody.begin(), custody.begin() + sealed_custody);
      std::string root = merkle_root_hex(evidence_leaves(items, sealed_lines));
      std::string signed_root = text_field(seal, "merkle_root");
      if (root == signed_root)
        out.holds("merkle root", root + " over " + std::to_string(items.size()) + " items and " +
                                     std::to_string(sealed_custody) + " custody entries");
      else
        out.broken("merkle root", "recomputed " + short_hash(root) + " differs from the signed " +
                                      short_hash(signed_root) + ": item records or sealed custody lines changed");
      if (sealed_custody > 0 && sha256_hex(custody[static_cast<std::size_t>(sealed_custody) - 1]) !=
                                    text_field(seal, "custody_head"))
        out.broken("custody.jsonl", "the last sealed entry is not the one signed");
      if (custody.size() > static_cast<std::size_t>(sealed_custody))
        out.note("custody.jsonl", std::to_string(custody.size() - static_cast<std::size_t>(sealed_custody)) +
                                      " entries after the seal are hash-chained to it but not signed");
    }
    if (auto* bundle = manifest.if_contains("bundle"); bundle && bundle->is_object() &&
                                                       text_field(bundle->get_object(), "merkle_root") !=
                                                           text_field(seal, "merkle_root"))
      out.broken("manifest.json", "its Merkle root is not the signed one");
  }

  // --- items -----------------------------------------------------------------
  std::map<std::string, json::object> collected;  // path -> item record in custody
  for (auto& line : custody) {
    try {
      auto v = parse_json(line);
      if (!v.is_object() || text_field(v.get_object(), "act") != "collected") continue;
      if (auto* item = v.get_object().if_contains("item"); item && item->is_object())
        collected[text_field(item->get_object(), "path")] = item->get_object();
    } catch (const std::exception&) {
    }
  }
  std::set<std::string> listed;
  std::map<std::string, std::string> sums_expected;
  for (auto& value : items) {
    if (!value.is_object()) {
      out.broken("manifest.json", "an item record is not an object");
      continue;
    }
    auto& record = value.get_object();
    std::string path = text_field(record, "path");
    listed.insert(path);
    sums_expected[path] = text_field(record, "sha256");
    auto problems = item_problems(dir, record);
    for (auto& p : problems) out.broken(path, p);
    if (problems.empty())
      out.holds(path, std::to_string(int_field(record, "size")) + " bytes, SHA-256 " + text_field(record, "sha256"));
    auto in_custody = collected.find(path);
    if (in_custody == collected.end())
      out.broken(path, "no \"collected\" entry in the custody log names it (added to the manifest afterwards)");
    else if (text_field(in_custody->second, "sha256") != text_field(record, "sha256") ||
             int_field(in_custody->second, "size") != int_field(record, "size"))
      out.broken(path, "manifest record differs from its custody record (manifest edited)");
    if (options.check_write_once && std::filesystem::exists(dir / path))
      check_flag(out, dir, path, WriteOnceFlag::immutable, text_field(record, "write_once") == "immutable");
  }
  for (auto& [path, record] : collected)
    if (!listed.count(path)) out.broken(path, "collected (custody log) but missing from the manifest");

  // manifest.sha256 must say what the manifest says.
  if (auto sums = read_text_file(dir / "manifest.sha256"); sums) {
    std::size_t start = 0;
    std::set<std::string> seen;
    while (start < sums->size()) {
      auto end = sums->find('\n', start);
      if (end == std::string::npos) end = sums->size();
      std::string line = sums->substr(start, end - start);
      start = end + 1;
      if (line.size() < 67) continue;
      std::string hash = line.substr(0, 64), path = line.substr(66);
      seen.insert(path);
      if (path == "manifest.json") {
        if (!manifest_text.empty() && hash != sha256_hex(manifest_text))
          out.broken("manifest.sha256", "its line for manifest.json does not match manifest.json");
      } else if (sums_expected.count(path) == 0) {
        out.broken("manifest.sha256", "lists " + path + ", which the manifest does not");
      } else if (sums_expected[path] != hash) {
        out.broken("manifest.sha256", "its hash for " + path + " differs from the manifest's");
      }
    }
    for (auto& [path, hash] : sums_expected)
      if (!seen.count(path)) out.broken("manifest.sha256", "does not list " + path);
  }

  // Nothing in the bundle that no record names.
  static const std::set<std::string> known = {"manifest.json", "manifest.sha256", "custody.jsonl", "seal.json",
                                              "seal.sig",      "seal.pub",        "seal.tsq",      "seal.tsr"};
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory()) continue;
    std::string relative = std::filesystem::relative(it->path(), dir).string();
    if (known.count(relative) || listed.count(relative)) continue;
    out.broken(relative, relative.find("/.partial-") != std::string::npos
                             ? "an unfinished item (acquisition interrupted), not in the manifest"
                             : "not in the manifest: added to the bundle");
  }

  // --- write-once attributes of the records ----------------------------------
  if (options.check_write_once && !custody.empty()) {
    check_flag(out, dir, "custody.jsonl", WriteOnceFlag::append_only,
               text_field(seal.empty() ? json::object{} : seal, "custody_write_once") == "append-only");
    if (!seal.empty()) {
      bool claimed = text_field(seal, "records_write_once") == "immutable";
      for (const char* name : {"manifest.json", "manifest.sha256", "seal.json", "seal.sig", "seal.pub", "seal.tsq"})
        if (std::filesystem::exists(dir / name)) check_flag(out, dir, name, WriteOnceFlag::immutable, claimed);
    }
  } else if (!options.check_write_once) {
    out.note("write-once", "attributes not checked: an unpacked copy does not carry them");
  }

  // --- RFC 3161 timestamp ------------------------------------------------------
  if (std::filesystem::exists(dir / "seal.tsr")) {
    auto reply = read_text_file(dir / "seal.tsr");
    auto request = read_text_file(dir / "seal.tsq");
    if (!reply || !request) {
      out.broken("seal.tsr", "seal.tsr or seal.tsq cannot be read");
    } else if (auto check = check_timestamp_reply(*reply, *request, seal_text, options.tsa_ca_file); !check) {
      out.broken("seal.tsr", check.error().message);
    } else {
      out.holds("seal.tsr", "RFC 3161 timestamp " + check->time + (check->tsa.empty() ? "" : " by " + check->tsa) +
                                " stamps this seal");
      if (!check->signature_checked)
        out.note("seal.tsr", "the authority's signature was not checked (give its CA certificates with --tsa-ca)");
    }
  } else if (sealed) {
    out.note("seal.tsq", "no timestamp reply (seal.tsr) yet; the seal time rests on this host's clock");
  }
  return report;
}

}  // namespace responder::evidence
