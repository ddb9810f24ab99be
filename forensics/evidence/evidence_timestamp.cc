#include "forensics/evidence/evidence_timestamp.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

namespace responder::evidence {
namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (!code) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

std::string asn1_time_text(const ASN1_GENERALIZEDTIME* time) {
  if (!time) return "";
  return std::string(reinterpret_cast<const char*>(time->data), static_cast<std::size_t>(time->length));
}

}  // namespace

Result<std::string> timestamp_request(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(data.data(), data.size(), md, &md_len, EVP_sha256(), nullptr);

  TS_REQ* req = TS_REQ_new();
  TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
  X509_ALGOR* algorithm = X509_ALGOR_new();
  ASN1_INTEGER* nonce = nullptr;
  std::string out;
  bool ok = false;
  do {
    if (!req || !imprint || !algorithm) break;
    if (!TS_REQ_set_version(req, 1)) break;
    X509_ALGOR_set0(algorithm, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
    if (!TS_MSG_IMPRINT_set_algo(imprint, algorithm)) break;
    if (!TS_MSG_IMPRINT_set_msg(imprint, md, static_cast<int>(md_len))) break;
    if (!TS_REQ_set_msg_imprint(req, imprint)) break;
    unsigned char random[8];
    if (RAND_bytes(random, sizeof random) != 1) break;
    random[0] &= 0x7f;  // a positive INTEGER
    BIGNUM* bn = BN_bin2bn(random, sizeof random, nullptr);
    nonce = BN_to_ASN1_INTEGER(bn, nullptr);
    BN_free(bn);
    if (!nonce || !TS_REQ_set_nonce(req, nonce)) break;
    if (!TS_REQ_set_cert_req(req, 1)) break;
    int len = i2d_TS_REQ(req, nullptr);
    if (len <= 0) break;
    out.resize(static_cast<std::size_t>(len));
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_TS_REQ(req, &p);
    ok = true;
  } while (false);
  ASN1_INTEGER_free(nonce);
  X509_ALGOR_free(algorithm);
  TS_MSG_IMPRINT_free(imprint);
  TS_REQ_free(req);
  if (!ok) return failure("cannot build the RFC 3161 request: " + openssl_error());
  return out;
}

Result<TimestampCheck> check_timestamp_reply(std::string_view reply_der, std::string_view request_der,
                                             std::string_view data, const std::filesystem::path& ca_file) {
  const auto* rp = reinterpret_cast<const unsigned char*>(reply_der.data());
  TS_RESP* reply = d2i_TS_RESP(nullptr, &rp, static_cast<long>(reply_der.size()));
  if (!reply) return failure("seal.tsr is not an RFC 3161 TimeStampResp: " + openssl_error());
  const auto* qp = reinterpret_cast<const unsigned char*>(request_der.data());
  TS_REQ* request = d2i_TS_REQ(nullptr, &qp, static_cast<long>(request_der.size()));
  if (!request) {
    TS_RESP_free(reply);
    return failure("seal.tsq is not an RFC 3161 TimeStampReq");
  }
  // Imprint, nonce and version come from the request; the imprint is also
  // recomputed from the data, so a request swapped with seal.json is caught.
  TS_VERIFY_CTX* ctx = TS_REQ_to_TS_VERIFY_CTX(request, nullptr);
  TimestampCheck check;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  EVP_Digest(data.data(), data.size(), md, &md_len, EVP_sha256(), nullptr);
  TS_MSG_IMPRINT* request_imprint = TS_REQ_get_msg_imprint(request);
  ASN1_OCTET_STRING* wanted = TS_MSG_IMPRINT_get_msg(request_imprint);
  bool imprint_matches_data = wanted && static_cast<unsigned int>(ASN1_STRING_length(wanted)) == md_len &&
                              std::equal(md, md + md_len, ASN1_STRING_get0_data(wanted));
  if (!ca_file.empty()) {
    X509_STORE* store = X509_STORE_new();
    if (X509_STORE_load_file(store, ca_file.c_str()) != 1) {
      X509_STORE_free(store);
      TS_VERIFY_CTX_free(ctx);
      TS_REQ_free(request);
      TS_RESP_free(reply);
      return failure("cannot load TSA certificates from " + ca_file.string());
    }
    TS_VERIFY_CTX_set_store(ctx, store);  // ctx owns it now
    TS_VERIFY_CTX_add_flags(ctx, TS_VFY_SIGNATURE);
    check.signature_checked = true;
  }
  int verified = TS_RESP_verify_response(ctx, reply);
  std::string why = verified == 1 ? "" : openssl_error();
  if (TS_TST_INFO* info = TS_RESP_get_tst_info(reply)) {
    check.time = asn1_time_text(TS_TST_INFO_get_time(info));
    if (GENERAL_NAME* name = TS_TST_INFO_get_tsa(info)) {
      BIO* bio = BIO_new(BIO_s_mem());
      GENERAL_NAME_print(bio, name);
      char* text = nullptr;
      long len = BIO_get_mem_data(bio, &text);
      check.tsa.assign(text, static_cast<std::size_t>(len));
      BIO_free(bio);
    }
  }
  TS_VERIFY_CTX_free(ctx);
  TS_REQ_free(request);
  TS_RESP_free(reply);
  if (!imprint_matches_data) return failure("seal.tsq does not stamp this seal.json");
  if (verified != 1) return failure("seal.tsr does not answer seal.tsq for this seal: " + why);
  return check;
}

}  // namespace responder::evidence
