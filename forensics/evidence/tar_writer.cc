#include "forensics/evidence/tar_writer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "forensics/evidence/evidence_digest.h"

namespace responder::evidence {
namespace {

constexpr std::size_t kBlock = 512;
constexpr std::size_t kRecord = 10240;

// Octal, zero-padded, NUL-terminated, in a field of `width` bytes.
bool put_octal(char* field, std::size_t width, std::uint64_t value) {
  bool fits = value < (1ull << (3 * (width - 1)));
  field[width - 1] = '\0';
  for (std::size_t i = width - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  return fits;
}

// One pax record: "<len> <key>=<value>\n", where <len> counts itself.
std::string pax_record(const std::string& key, const std::string& value) {
  std::size_t body = key.size() + value.size() + 3;
  std::size_t len = body + std::to_string(body).size();
  if (std::to_string(len).size() != std::to_string(body).size()) ++len;
  return std::to_string(len) + " " + key + "=" + value + "\n";
}

}  // namespace

TarWriter::TarWriter(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {
  auto* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  hash_ = ctx;
}

TarWriter::TarWriter(TarWriter&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), hash_(other.hash_), offset_(other.offset_) {
  other.fd_ = -1;
  other.hash_ = nullptr;
}

TarWriter::~TarWriter() {
  if (fd_ >= 0) ::close(fd_);
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(hash_));
}

Result<TarWriter> TarWriter::create(const std::filesystem::path& archive) {
  int fd = ::open(archive.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0) return failure("cannot create " + archive.string() + ": " + std::strerror(errno));
  return TarWriter(fd, archive);
}

Status TarWriter::emit(const void* data, std::size_t n) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(hash_), data, n);
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd_, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return failure("cannot write " + path_.string() + ": " + std::strerror(errno));
    p += w;
    n -= static_cast<std::size_t>(w);
    offset_ += static_cast<std::uint64_t>(w);
  }
  return {};
}

Status TarWriter::header(const std::string& name, char type, unsigned mode, std::uint64_t size, std::int64_t mtime) {
  std::string ustar_name = name, prefix;
  bool needs_pax = size >= (1ull << 33) || mtime < 0;
  if (name.size() > 100) {
    // ustar splits a long path at a '/' into prefix (155) and name (100).
    auto cut = name.rfind('/', 155);
    if (cut != std::string::npos && cut > 0 && name.size() - cut - 1 <= 100 && name.size() - cut - 1 > 0) {
      prefix = name.substr(0, cut);
      ustar_name = name.substr(cut + 1);
    } else {
      needs_pax = true;
      ustar_name = name.substr(name.size() - 100);
    }
  }
  for (unsigned char c : name) needs_pax = needs_pax || c >= 0x80;
  if (needs_pax) {
    std::string records = pax_record("path", name) + pax_record("size", std::to_string(size));
    std::string pax_name = "PaxHeaders/" + std::filesystem::path(name).filename().string();
    if (pax_name.size() > 100) pax_name.resize(100);
    if (auto s = header(pax_name, 'x', 0644, records.size(), mtime < 0 ? 0 : mtime); !s) return s;
    if (auto s = emit(records.data(), records.size()); !s) return s;
    std::vector<char> pad((kBlock - records.size() % kBlock) % kBlock, 0);
    if (auto s = emit(pad.data(), pad.size()); !s) return s;
    if (prefix.empty() && ustar_name.size() > 100) ustar_name.resize(100);
  }
  char block[kBlock] = {};
  std::memcpy(block, ustar_name.data(), std::min<std::size_t>(ustar_name.size(), 100));
  put_octal(block + 100, 8, mode & 07777);
  put_octal(block + 108, 8, 0);
  put_octal(block + 116, 8, 0);
  if (!put_octal(block + 124, 12, size)) put_octal(block + 124, 12, 0);  // the pax size record holds it
  put_octal(block + 136, 12, static_cast<std::uint64_t>(mtime < 0 ? 0 : mtime));
  std::memset(block + 148, ' ', 8);
  block[156] = type;
  std::memcpy(block + 257, "ustar", 6);  // magic "ustar\0"
  std::memcpy(block + 263, "00", 2);     // version
  put_octal(block + 329, 8, 0);          // devmajor
  put_octal(block + 337, 8, 0);          // devminor
  std::memcpy(block + 345, prefix.data(), std::min<std::size_t>(prefix.size(), 155));
  unsigned sum = 0;
  for (unsigned char c : block) sum += c;
  put_octal(block + 148, 7, sum);  // six digits and NUL, then the space already there
  return emit(block, kBlock);
}

Status TarWriter::add_directory(const std::string& name, unsigned mode, std::int64_t mtime) {
  return header(name + "/", '5', mode, 0, mtime);
}

Status TarWriter::add_file(const std::string& name, const std::filesystem::path& source) {
  int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return failure("cannot read " + source.string() + ": " + std::strerror(errno));
  struct stat st{};
  ::fstat(in, &st);
  Status status = header(name, '0', st.st_mode & 0777, static_cast<std::uint64_t>(st.st_size), st.st_mtim.tv_sec);
  std::vector<char> buffer(1 << 20);
  std::uint64_t copied = 0;
  while (status) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { status = failure("cannot read " + source.string() + ": " + std::strerror(errno)); break; }
    if (n == 0) break;
    // Never write more than the header announced, even if the file grew.
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(n),
                                                                          static_cast<std::uint64_t>(st.st_size) - copied));
    status = emit(buffer.data(), take);
    copied += take;
    if (copied == static_cast<std::uint64_t>(st.st_size)) break;
  }
  ::close(in);
  if (!status) return status;
  if (copied != static_cast<std::uint64_t>(st.st_size))
    return failure(source.string() + " shrank while it was being archived");
  std::vector<char> pad((kBlock - copied % kBlock) % kBlock, 0);
  return emit(pad.data(), pad.size());
}

Status TarWriter::add_bytes(const std::string& name, std::string_view bytes, unsigned mode, std::int64_t mtime) {
  if (auto s = header(name, '0', mode & 0777, bytes.size(), mtime); !s) return s;
  if (auto s = emit(bytes.data(), bytes.size()); !s) return s;
  std::vector<char> pad((kBlock - bytes.size() % kBlock) % kBlock, 0);
  return emit(pad.data(), pad.size());
}

Status TarWriter::close() {
  std::vector<char> end(2 * kBlock, 0);
  if (auto s = emit(end.data(), end.size()); !s) return s;
  std::vector<char> pad((kRecord - offset_ % kRecord) % kRecord, 0);
  if (auto s = emit(pad.data(), pad.size()); !s) return s;
  if (::fsync(fd_) != 0) return failure("cannot fsync " + path_.string() + ": " + std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(hash_), md, &len);
  sha256_ = hex_of(md, len);
  return {};
}

}  // namespace responder::evidence
