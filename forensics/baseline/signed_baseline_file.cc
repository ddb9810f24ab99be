#include "forensics/baseline/signed_baseline_file.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "responder/durable_file.h"
#include "responder/sha256.h"

namespace responder::baseline {
namespace {
constexpr std::size_t kChunk = 64 * 1024;
}

BaselineWriter::BaselineWriter() {
  auto* z = new z_stream{};
  // 15 + 16: a gzip wrapper (RFC 1952), so `zcat FILE` reads it.
  if (deflateInit2(z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    delete z;
    z = nullptr;
  }
  stream_ = z;
}

BaselineWriter::BaselineWriter(BaselineWriter&& other) noexcept : stream_(other.stream_), compressed_(std::move(other.compressed_)) {
  other.stream_ = nullptr;
}

BaselineWriter::~BaselineWriter() {
  if (auto* z = static_cast<z_stream*>(stream_)) {
    deflateEnd(z);
    delete z;
  }
}

Status BaselineWriter::deflate_some(const void* data, std::size_t n, bool last) {
  auto* z = static_cast<z_stream*>(stream_);
  if (!z) return failure("zlib could not start compressing the baseline");
  z->next_in = static_cast<Bytef*>(const_cast<void*>(data));
  z->avail_in = static_cast<uInt>(n);
  unsigned char out[kChunk];
  int rc;
  do {
    z->next_out = out;
    z->avail_out = sizeof out;
    rc = deflate(z, last ? Z_FINISH : Z_NO_FLUSH);
    if (rc == Z_STREAM_ERROR) return failure("zlib failed while compressing the baseline");
    compressed_.append(reinterpret_cast<char*>(out), sizeof out - z->avail_out);
  } while (z->avail_out == 0 || (last && rc != Z_STREAM_END));
  return {};
}

Status BaselineWriter::write_line(std::string_view line) {
  std::string text(line);
  text += '\n';
  return deflate_some(text.data(), text.size(), false);
}

Result<BaselineWriter::Written> BaselineWriter::finish(const std::filesystem::path& file, const evidence::Ed25519Key& key) {
  if (Status s = deflate_some(nullptr, 0, true); !s) return s.error();
  Written written;
  written.sha256 = sha256_hex(compressed_);
  written.size = compressed_.size();
  written.key_fingerprint = key.fingerprint();
  auto signature = sign_baseline(written.sha256, written.size, key);
  if (!signature) return signature.error();
  // The signature goes second: a FILE.sig always names a FILE that exists.
  if (Status s = write_file_atomically(file, compressed_, 0644); !s) return s.error();
  if (Status s = write_file_atomically(signature_path(file), *signature, 0644); !s) return s.error();
  return written;
}

Result<BaselineContents> parse_compressed_baseline(std::string_view compressed) {
  z_stream z{};
  // 15 + 32: gzip or zlib, told apart by the header.
  if (inflateInit2(&z, 15 + 32) != Z_OK) return failure("zlib could not start decompressing the baseline");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  BaselineParser parser;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  std::string out(kChunk, '\0');
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
      return bad_input(std::string("the baseline is not valid gzip data: ") + (z.msg ? z.msg : "corrupt stream"));
    std::size_t produced = out.size() - z.avail_out;
    if (Status s = parser.feed(std::string_view(out.data(), produced)); !s) return s.error();
    if (rc == Z_BUF_ERROR || (rc == Z_OK && produced == 0 && z.avail_in == 0))
      return bad_input("the baseline's compressed data ends early: the file is truncated");
  }
  if (z.avail_in != 0) return bad_input("the baseline has bytes after its compressed data");
  return parser.finish();
}

Result<VerifiedBaseline> read_verified_baseline(const std::filesystem::path& file, const TrustedKey& trusted) {
  std::error_code exists_ec;
  if (!std::filesystem::exists(file, exists_ec))
    return bad_input("there is no baseline " + file.string() + " (`responder baseline record` makes one on a known-good host)");
  auto bytes = read_text_file(file, kMaxBaselineFile);
  if (!bytes) return bytes.error();
  auto sig_file = signature_path(file);
  std::error_code ec;
  if (!std::filesystem::exists(sig_file, ec))
    return refusal("the baseline " + file.string() + " has no signature beside it (" + sig_file.string() +
                   "): an unsigned baseline is not trusted");
  auto signature = read_text_file(sig_file, kMaxSignatureFile);
  if (!signature) return refusal("cannot read the baseline's signature " + sig_file.string() + ": " + signature.error().message);
  if (Status s = verify_baseline_signature(*bytes, *signature, trusted); !s)
    return refusal("refusing the baseline " + file.string() + ": " + s.error().message);
  VerifiedBaseline verified;
  verified.sha256 = sha256_hex(*bytes);
  verified.bytes = std::make_shared<const std::string>(std::move(*bytes));
  return verified;
}

Result<BaselineContents> read_baseline(const std::filesystem::path& file, const TrustedKey& trusted) {
  auto verified = read_verified_baseline(file, trusted);
  if (!verified) return verified.error();
  return parse_compressed_baseline(*verified->bytes);
}

}  // namespace responder::baseline
