#include "forensics/evidence/merkle_tree.h"

#include <openssl/evp.h>

#include <array>
#include <string_view>

#include "forensics/evidence/evidence_digest.h"

namespace responder::evidence {
namespace {

using Hash = std::array<unsigned char, 32>;

Hash prefixed_hash(unsigned char prefix, std::string_view a, std::string_view b) {
  Hash out;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, &prefix, 1);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

std::string_view bytes_of(const Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }
Hash leaf_hash(const std::string& data) { return prefixed_hash(0x00, data, {}); }
Hash node_hash(const Hash& left, const Hash& right) { return prefixed_hash(0x01, bytes_of(left), bytes_of(right)); }

Hash tree_hash(const std::vector<Hash>& leaves, std::size_t begin, std::size_t end) {
  std::size_t n = end - begin;
  if (n == 1) return leaves[begin];
  std::size_t k = 1;
  while (k * 2 < n) k *= 2;
  return node_hash(tree_hash(leaves, begin, begin + k), tree_hash(leaves, begin + k, end));
}

}  // namespace

std::string merkle_root_hex(const std::vector<std::string>& leaves) {
  if (leaves.empty()) return sha256_hex("");
  std::vector<Hash> hashed;
  hashed.reserve(leaves.size());
  for (auto& leaf : leaves) hashed.push_back(leaf_hash(leaf));
  Hash root = tree_hash(hashed, 0, hashed.size());
  return hex_of(root.data(), root.size());
}

}  // namespace responder::evidence
