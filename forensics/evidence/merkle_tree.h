// The Merkle tree hash of RFC 6962 (Certificate Transparency), section 2.1:
//
//   MTH({})      = SHA-256()
//   MTH({d0})    = SHA-256(0x00 || d0)
//   MTH(D[0:n])  = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),  k the largest
//                  power of two smaller than n.
//
// The 0x00/0x01 prefixes keep a leaf from ever being passed off as a node.
// Anyone can recompute it from the leaves with a few lines of any language.
#pragma once

#include <string>
#include <vector>

namespace responder::evidence {

// Lowercase hex of MTH over the leaves, in order.
std::string merkle_root_hex(const std::vector<std::string>& leaves);

}  // namespace responder::evidence
