// The Merkle root over an evidence bundle's items, as RFC 6962 defines it.
#include <doctest/doctest.h>

#include <string>

#include "forensics/evidence/evidence_digest.h"
#include "forensics/evidence/merkle_tree.h"

using namespace responder;
using namespace responder::evidence;

TEST_CASE("Merkle root follows RFC 6962") {
  auto h = [](const std::string& bytes) {
    std::string raw;
    auto hex = sha256_hex(bytes);
    for (std::size_t i = 0; i < 64; i += 2) raw += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return raw;
  };
  auto hex = [](const std::string& raw) {
    return hex_of(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  };
  CHECK(merkle_root_hex({}) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The CT test vector: the leaf hash of the empty leaf.
  CHECK(merkle_root_hex({""}) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  std::string a = h(std::string(1, '\0') + "a"), b = h(std::string(1, '\0') + "b"), c = h(std::string(1, '\0') + "c");
  std::string ab = h("\x01" + a + b);
  CHECK(merkle_root_hex({"a", "b"}) == hex(ab));
  // Three leaves: k = 2, so the tree is (ab, c), not (a, bc).
  CHECK(merkle_root_hex({"a", "b", "c"}) == hex(h("\x01" + ab + c)));
}
