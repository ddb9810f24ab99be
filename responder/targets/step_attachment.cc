#include "responder/targets/step_attachment.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

namespace responder::targets {
namespace {

struct DigestFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

// Writes the bytes it is given to a new file in a fresh private directory,
// hashing them; removes both unless kept.
class AttachmentWriter {
 public:
  Status open() {
    std::error_code ec;
    auto base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string templ = (base / "responder-attachment-XXXXXX").string();
    if (!::mkdtemp(templ.data())) return failure("cannot make a directory for the attachment in " + base.string() + ": " + std::strerror(errno));
    dir_ = templ;
    file_ = dir_ / "attachment";
    fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) return failure("cannot create " + file_.string() + ": " + std::strerror(errno));
    digest_.reset(EVP_MD_CTX_new());
    if (!digest_ || EVP_DigestInit_ex(digest_.get(), EVP_sha256(), nullptr) != 1)
      return failure("OpenSSL cannot hash the attachment");
    return {};
  }
  Status write(const char* data, std::size_t size) {
    EVP_DigestUpdate(digest_.get(), data, size);
    while (size > 0) {
      ssize_t n = ::write(fd_, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return failure("cannot write " + file_.string() + ": " + std::strerror(errno));
      data += n;
      size -= static_cast<std::size_t>(n);
    }
    return {};
  }
  Result<std::unique_ptr<StagedAttachment>> finish(const AttachmentHeader& header) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(digest_.get(), digest, &length);
    static constexpr char hex[] = "0123456789abcdef";
    std::string sha256;
    for (unsigned int i = 0; i < length; ++i) {
      sha256 += hex[digest[i] >> 4];
      sha256 += hex[digest[i] & 15];
    }
    if (::close(std::exchange(fd_, -1)) != 0) return failure("cannot write " + file_.string() + ": " + std::strerror(errno));
    if (sha256 != header.sha256)
      return bad_input("the attachment's SHA-256 here is " + sha256 + ", not the " + header.sha256 +
                       " the request announced: it was changed on its way; nothing was run");
    auto staged = std::make_unique<StagedAttachment>(dir_, file_, sha256, header.size);
    dir_.clear();
    return staged;
  }
  ~AttachmentWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

 private:
  std::filesystem::path dir_, file_;
  int fd_ = -1;
  std::unique_ptr<EVP_MD_CTX, DigestFree> digest_;
};

}  // namespace

StagedAttachment::~StagedAttachment() {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Result<std::unique_ptr<StagedAttachment>> receive_attachment(const AttachmentHeader& header, std::string& already_read,
                                                             int fd) {
  AttachmentWriter writer;
  if (auto opened = writer.open(); !opened) return opened.error();
  std::uint64_t left = header.size;
  std::size_t from_buffer = static_cast<std::size_t>(std::min<std::uint64_t>(left, already_read.size()));
  if (auto w = writer.write(already_read.data(), from_buffer); !w) return w.error();
  already_read.erase(0, from_buffer);
  left -= from_buffer;
  std::string buffer(1 << 20, '\0');
  while (left > 0) {
    ssize_t n = ::read(fd, buffer.data(), static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size())));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure(std::string("cannot read the attachment: ") + std::strerror(errno));
    // The controller stopped sending (Ctrl-C, its deadline, a lost link):
    // an interruption to try again, not bad input.
    if (n == 0)
      return interruption("the attachment ended after " + std::to_string(header.size - left) + " of its " +
                          std::to_string(header.size) + " bytes; nothing was run");
    if (auto w = writer.write(buffer.data(), static_cast<std::size_t>(n)); !w) return w.error();
    left -= static_cast<std::uint64_t>(n);
  }
  return writer.finish(header);
}

Result<std::unique_ptr<StagedAttachment>> stage_attachment(const AttachmentHeader& header, const std::string& bytes) {
  if (bytes.size() != header.size)
    return bad_input("the attachment is " + std::to_string(bytes.size()) + " bytes, not the " +
                     std::to_string(header.size) + " its request announced");
  AttachmentWriter writer;
  if (auto opened = writer.open(); !opened) return opened.error();
  if (auto w = writer.write(bytes.data(), bytes.size()); !w) return w.error();
  return writer.finish(header);
}

}  // namespace responder::targets
