// RFC 3161 trusted timestamps for the seal.
//
// Sealing writes `seal.tsq`, a TimeStampReq over SHA-256(seal.json) with a
// random nonce, asking for the authority's certificate. It can be sent to
// any time-stamping authority (`curl -H 'Content-Type:
// application/timestamp-query' --data-binary @seal.tsq URL > seal.tsr`);
// placing the reply beside it as `seal.tsr` makes `verify` check it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "responder/result.h"

namespace responder::evidence {

// DER TimeStampReq for SHA-256 of `data`.
Result<std::string> timestamp_request(std::string_view data);

struct TimestampCheck {
  std::string time;          // genTime from the token, as the TSA wrote it
  std::string tsa;           // the TSA name in the token, or empty
  bool signature_checked = false;
};

// Checks a DER TimeStampResp against the request it answers and the data it
// stamps: status granted, imprint = SHA-256(data), nonce and version match.
// With `ca_file` (PEM certificates of trusted TSA roots) the TSA's signature
// and certificate chain are checked too; without, signature_checked is false
// and the caller must say so.
Result<TimestampCheck> check_timestamp_reply(std::string_view reply_der, std::string_view request_der,
                                             std::string_view data, const std::filesystem::path& ca_file);

}  // namespace responder::evidence
