// A real HTTPS server on 127.0.0.1 for webhook tests: https_receiver.py (its
// interface is documented at its top) run with Debian's /usr/bin/python3,
// serving a certificate the test generated with the openssl command. It is
// killed with its process group when the receiver goes away, and also when
// the test process dies without unwinding (it gets SIGKILL as its parent
// dies).
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "responder/json.h"
#include "tests/support/background_server.h"
#include "tests/support/process.h"

namespace responder::lab {

inline const char* kReceiverPython = "/usr/bin/python3";

// Empty when python3 and openssl are here, else what is missing.
inline std::string https_receiver_unavailable() {
  if (::access(kReceiverPython, X_OK) != 0) return "/usr/bin/python3 is not installed (apt-get install python3)";
  if (testing::run_process({"openssl", "version"}).exit_code != 0) return "the openssl command is not installed";
  return {};
}

struct TestCertificate {
  std::filesystem::path cert, key;
};

// A self-signed certificate (P-256, one day) in `dir`, named `stem`, with
// subjectAltName `alt_names` ("IP:127.0.0.1", "DNS:webhook.test").
inline TestCertificate make_test_certificate(const std::filesystem::path& dir, const std::string& stem,
                                             const std::string& alt_names) {
  TestCertificate c{dir / (stem + ".pem"), dir / (stem + ".key")};
  auto made = testing::run_process({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                    "-nodes", "-days", "1", "-subj", "/CN=responder webhook test",
                                    "-addext", "subjectAltName=" + alt_names, "-keyout", c.key.string(), "-out",
                                    c.cert.string()});
  if (made.exit_code != 0) return {};
  return c;
}

class HttpsReceiver {
 public:
  // `answers`: the --answer specs, in order (the last repeats). An empty
  // certificate serves plain HTTP.
  HttpsReceiver(const TestCertificate& certificate, const std::vector<std::string>& answers) {
    std::string script = std::string(RESPONDER_SOURCE_DIR) + "/tests/notify/channels/https_receiver.py";
    argv_ = {kReceiverPython, script, "--record", (dir_ / "requests").string(), "--port-file", (dir_ / "port").string()};
    if (certificate.cert.empty()) {
      argv_.push_back("--plain");
    } else {
      argv_.insert(argv_.end(), {"--cert", certificate.cert.string(), "--key", certificate.key.string()});
    }
    for (auto& a : answers) argv_.insert(argv_.end(), {"--answer", a});
  }
  HttpsReceiver(const HttpsReceiver&) = delete;
  HttpsReceiver& operator=(const HttpsReceiver&) = delete;

  // Starts the server and waits until it listens; false after 10 seconds.
  bool start() {
    server_.start(argv_, dir_ / "server.log");
    if (!server_.wait_until([&] { return std::filesystem::exists(dir_ / "port"); }, std::chrono::milliseconds(10000)))
      return false;
    port_ = std::stoi(testing::slurp(dir_ / "port"));
    return true;
  }

  int port() const { return port_; }
  std::string log() const { return testing::slurp(dir_ / "server.log"); }

  // Every request received so far, in arrival order: {"method", "path",
  // "headers": [[name, value]...], "body"}.
  std::vector<json::object> requests() const {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (auto& entry : std::filesystem::directory_iterator(dir_ / "requests", ec))
      if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    std::vector<json::object> out;
    for (auto& f : files) out.push_back(parse_json(testing::slurp(f)).as_object());
    return out;
  }

 private:
  testing::TempDir dir_;  // removed after the server is killed
  std::vector<std::string> argv_;
  testing::BackgroundServer server_;  // last: killed before the directory goes
  int port_ = 0;
};

// The value of header `name` (case-insensitive) in a recorded request, or
// "<absent>".
inline std::string recorded_header(const json::object& request, std::string_view name) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
  };
  for (auto& pair : request.at("headers").as_array()) {
    auto& p = pair.as_array();
    if (lower(p[0].as_string()) == lower(name)) return std::string(p[1].as_string());
  }
  return "<absent>";
}

}  // namespace responder::lab
