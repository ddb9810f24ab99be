#include "containment/accounts/credentials_envelope.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

namespace responder::accounts {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct CmsFree {
  void operator()(CMS_ContentInfo* c) const { CMS_ContentInfo_free(c); }
};
struct X509StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

std::string openssl_reason() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

Result<std::string> seal_to_certificate(std::string_view plain, const std::filesystem::path& certificate_pem) {
  ERR_clear_error();
  std::unique_ptr<BIO, BioFree> cert_file(BIO_new_file(certificate_pem.c_str(), "r"));
  if (!cert_file) return failure("cannot read the credentials recipient certificate " + certificate_pem.string());
  std::unique_ptr<X509, X509Free> certificate(PEM_read_bio_X509(cert_file.get(), nullptr, nullptr, nullptr));
  if (!certificate)
    return failure(certificate_pem.string() + " is not a PEM X.509 certificate (keys.credentials_recipient): " +
                   openssl_reason());
  std::unique_ptr<STACK_OF(X509), X509StackFree> recipients(sk_X509_new_null());
  if (!recipients || !sk_X509_push(recipients.get(), certificate.get())) return failure("out of memory");

  std::unique_ptr<BIO, BioFree> input(BIO_new_mem_buf(plain.data(), static_cast<int>(plain.size())));
  std::unique_ptr<CMS_ContentInfo, CmsFree> envelope(
      CMS_encrypt(recipients.get(), input.get(), EVP_aes_256_cbc(), CMS_BINARY));
  if (!envelope)
    return failure("cannot seal the credentials to " + certificate_pem.string() + ": " + openssl_reason());
  std::unique_ptr<BIO, BioFree> output(BIO_new(BIO_s_mem()));
  if (!output || !PEM_write_bio_CMS_stream(output.get(), envelope.get(), nullptr, 0))
    return failure("cannot write the sealed credentials: " + openssl_reason());
  char* data = nullptr;
  long size = BIO_get_mem_data(output.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace responder::accounts
