#include "notify/channels/tls_client.h"

#include <boost/asio/ssl/context.hpp>
#include <openssl/x509v3.h>

#include "responder/address.h"

namespace responder::notify {

Result<std::shared_ptr<boost::asio::ssl::context>> client_tls_context(const std::string& ca_file) {
  namespace ssl = boost::asio::ssl;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  boost::system::error_code ec;
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                       ec);
  context->set_verify_mode(ssl::verify_peer, ec);
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return failure("cannot load the system's trusted certificates: " + ec.message());
  } else {
    context->load_verify_file(ca_file, ec);
    if (ec) return bad_input("cannot load trusted certificates from " + ca_file + ": " + ec.message());
  }
  return context;
}

Status expect_peer_name(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (parse_ip(host)) {
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1)
      return bad_input("cannot check the certificate against address " + host);
    return {};
  }
  if (SSL_set_tlsext_host_name(ssl, host.c_str()) != 1) return bad_input("cannot send the server name " + host);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0) != 1)
    return bad_input("cannot check the certificate against host " + host);
  return {};
}

std::string verification_failure(SSL* ssl) {
  long result = SSL_get_verify_result(ssl);
  if (result == X509_V_OK) return "";
  return std::string("certificate verify failed: ") + X509_verify_cert_error_string(result);
}

}  // namespace responder::notify
