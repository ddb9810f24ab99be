// A real SMTP server for the smtp channel's tests: Debian's aiosmtpd
// (smtp_test_server.py beside this file) on 127.0.0.1, on a port the kernel
// picks, with a self-signed certificate for IP 127.0.0.1 made by the openssl
// command. It is killed when the lab goes away, and also when the test
// process dies without unwinding (SIGKILL as its parent dies).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/background_server.h"
#include "tests/support/loopback_port.h"
#include "tests/support/process.h"

namespace responder::lab {

inline const char* kSmtpTestServer = RESPONDER_SOURCE_DIR "/tests/notify/channels/smtp_test_server.py";

// Empty when the server can run here, else what is missing.
inline std::string smtp_lab_unavailable() {
  if (::access("/usr/bin/python3", X_OK) != 0) return "/usr/bin/python3 is missing (apt-get install python3-aiosmtpd)";
  if (testing::run_process({"/usr/bin/python3", "-c", "import aiosmtpd"}).exit_code != 0)
    return "python3-aiosmtpd is not installed (apt-get install python3-aiosmtpd)";
  if (testing::run_process({"openssl", "version"}).exit_code != 0)
    return "the openssl command is not installed (apt-get install openssl)";
  return {};
}

// A self-signed certificate and its key for IP 127.0.0.1 (subjectAltName
// IP:127.0.0.1), valid for two days, in a directory of its own.
class SmtpServerCertificate {
 public:
  SmtpServerCertificate() {
    auto r = testing::run_process({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key().string(), "-out",
                                   cert().string(), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                                   "subjectAltName=IP:127.0.0.1"});
    made_ = r.exit_code == 0 && std::filesystem::exists(cert());
    error_ = r.err;
  }
  std::filesystem::path cert() const { return dir_ / "cert.pem"; }
  std::filesystem::path key() const { return dir_ / "key.pem"; }
  bool made() const { return made_; }
  const std::string& error() const { return error_; }

 private:
  testing::TempDir dir_;
  bool made_ = false;
  std::string error_;
};

struct SmtpLabOptions {
  std::string tls = "starttls";  // starttls | implicit | off
  std::string user, password;    // AUTH PLAIN/LOGIN accepted for these when set
};

class SmtpLab {
 public:
  SmtpLab(const SmtpServerCertificate& certificate, SmtpLabOptions options = {}) {
    std::filesystem::create_directories(dir_ / "messages");
    argv_ = {"/usr/bin/python3",
             kSmtpTestServer,
             "--port-file",
             (dir_ / "port").string(),
             "--messages",
             (dir_ / "messages").string(),
             "--tls",
             options.tls,
             "--cert",
             certificate.cert().string(),
             "--key",
             certificate.key().string()};
    if (!options.user.empty()) {
      argv_.insert(argv_.end(), {"--user", options.user, "--password", options.password});
    }
  }
  SmtpLab(const SmtpLab&) = delete;
  SmtpLab& operator=(const SmtpLab&) = delete;

  // Starts the server and waits until it listens; false after 15 s.
  bool start() {
    server_.start(argv_, dir_ / "server.log");
    if (!server_.wait_until([&] { return std::filesystem::exists(dir_ / "port"); }, std::chrono::milliseconds(15000)))
      return false;
    port_ = std::stoi(testing::slurp(dir_ / "port"));
    return true;
  }

  int port() const { return port_; }
  std::string log() const { return testing::slurp(dir_ / "server.log"); }
  // Messages received so far (each saved with its envelope before counting).
  int received() const {
    int n = 0;
    while (std::filesystem::exists(dir_ / "messages" / (std::to_string(n + 1) + ".json"))) ++n;
    return n;
  }
  std::filesystem::path message_file(int n) const { return dir_ / "messages" / (std::to_string(n) + ".eml"); }
  std::string message(int n) const { return testing::slurp(message_file(n)); }
  std::string envelope(int n) const { return testing::slurp(dir_ / "messages" / (std::to_string(n) + ".json")); }
  // What clients sent before TLS, and after it.
  std::string plaintext() const { return testing::slurp(dir_ / "messages" / "plain"); }
  std::string tls_text() const { return testing::slurp(dir_ / "messages" / "tls"); }

 private:
  testing::TempDir dir_;
  std::vector<std::string> argv_;
  testing::BackgroundServer server_;  // last: killed before the directory goes
  int port_ = 0;
};

using testing::SilentListener;

// A port on 127.0.0.1 that nothing listens on (just freed by the kernel).
inline int closed_port() { return testing::free_loopback_port(SOCK_STREAM); }

}  // namespace responder::lab
