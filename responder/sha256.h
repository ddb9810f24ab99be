// SHA-256 of small inputs held in memory (records, lines, keys), as the
// lowercase hex every log and manifest stores. Streams of evidence are hashed
// while they are copied instead (forensics/evidence/evidence_digest.h).
#pragma once

#include <string>
#include <string_view>

namespace responder {

// 64 lowercase hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace responder
