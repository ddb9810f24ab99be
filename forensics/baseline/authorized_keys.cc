#include "forensics/baseline/authorized_keys.h"
#include "forensics/baseline/host_text_file.h"

#include <glob.h>
#include <openssl/evp.h>

#include <fstream>
#include <map>
#include <set>

#include "forensics/baseline/file_tree_walk.h"
#include "forensics/baseline/local_accounts.h"

namespace responder::baseline {
namespace {

bool is_key_type(std::string_view word) {
  return word == "ssh-rsa" || word == "ssh-dss" || word == "ssh-ed25519" || word.rfind("ecdsa-sha2-", 0) == 0 ||
         word.rfind("sk-", 0) == 0 || word.find("-cert-v01@openssh.com") != std::string_view::npos;
}

std::string fingerprint_of(std::string_view base64) {
  if (base64.empty() || base64.size() > 16384 || base64.size() % 4) return "";
  std::string blob(base64.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(blob.data()), reinterpret_cast<const unsigned char*>(base64.data()),
                          static_cast<int>(base64.size()));
  if (n < 0) return "";
  std::size_t length = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes: take them off again.
  if (base64.size() >= 1 && base64.back() == '=') --length;
  if (base64.size() >= 2 && base64[base64.size() - 2] == '=') --length;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned dlen = 0;
  if (EVP_Digest(blob.data(), length, digest, &dlen, EVP_sha256(), nullptr) != 1) return "";
  std::string encoded(((dlen + 2) / 3) * 4 + 1, '\0');
  int e = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest, static_cast<int>(dlen));
  encoded.resize(static_cast<std::size_t>(e));
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return "SHA256:" + encoded;
}

}  // namespace

bool parse_authorized_key_line(std::string_view line, AuthorizedKeyLine& key) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty() || line[0] == '#') return false;
  // Options come first and may hold quoted spaces: find the key type word.
  std::size_t pos = 0;
  bool quoted = false;
  std::vector<std::pair<std::size_t, std::size_t>> words;
  std::size_t start = 0;
  for (; pos <= line.size(); ++pos) {
    bool end = pos == line.size();
    if (!end && line[pos] == '"') quoted = !quoted;
    if (end || (!quoted && (line[pos] == ' ' || line[pos] == '\t'))) {
      if (pos > start) words.emplace_back(start, pos - start);
      start = pos + 1;
    }
  }
  for (std::size_t i = 0; i + 1 < words.size(); ++i) {
    auto word = line.substr(words[i].first, words[i].second);
    if (!is_key_type(word)) continue;
    key.type = std::string(word);
    key.fingerprint = fingerprint_of(line.substr(words[i + 1].first, words[i + 1].second));
    if (key.fingerprint.empty()) return false;
    key.options = i > 0 ? std::string(line.substr(0, words[i].first - 1)) : "";
    key.comment = i + 2 < words.size() ? std::string(line.substr(words[i + 2].first)) : "";
    return true;
  }
  return false;
}

std::vector<InventoryRecord> read_authorized_keys(const std::filesystem::path& root) {
  // Homes to look in: each account's, /root and /home/*, the user named by
  // the account whose home it is (else by the folder's name).
  std::map<std::string, std::pair<std::string, std::int64_t>> homes;  // home -> user, uid
  for (auto& account : read_accounts(root)) {
    auto& home = account.fields.at("home").as_string();
    if (home.empty() || home == "/" || homes.count(std::string(home))) continue;
    homes[std::string(home)] = {account.key, account.fields.at("uid").as_int64()};
  }
  if (!homes.count("/root")) homes["/root"] = {"root", 0};
  glob_t matches{};
  if (::glob(on_disk(root, "/home/*").c_str(), 0, nullptr, &matches) == 0) {
    std::string prefix = on_disk(root, "");
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
      std::string home = std::string(matches.gl_pathv[i]).substr(prefix.size());
      if (!homes.count(home)) homes[home] = {home.substr(home.rfind('/') + 1), -1};
    }
  }
  ::globfree(&matches);
  std::vector<InventoryRecord> out;
  std::set<std::string> keys;
  for (auto& [home, who] : homes) {
    for (const char* name : {"/.ssh/authorized_keys", "/.ssh/authorized_keys2"}) {
      std::string file = (home == "/" ? "" : home) + name;
      HostTextLines in(root, file);
      std::string line;
      while (in.getline(line)) {
        AuthorizedKeyLine key;
        if (line.size() > 65536 || !parse_authorized_key_line(line, key)) continue;
        InventoryRecord r;
        r.kind = "authorized_key";
        r.key = who.first + " " + key.fingerprint;
        if (!keys.insert(r.key).second) continue;
        r.fields["user"] = who.first;
        r.fields["uid"] = who.second;
        r.fields["type"] = key.type;
        r.fields["fingerprint"] = key.fingerprint;
        r.fields["comment"] = key.comment;
        r.fields["options"] = key.options;
        r.fields["file"] = file;
        out.push_back(std::move(r));
      }
    }
  }
  return out;
}

}  // namespace responder::baseline
