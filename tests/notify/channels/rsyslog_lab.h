// A real rsyslogd for tests: a private instance with its own configuration,
// work directory and pid file inside a temporary directory, no system inputs
// (no imuxsock, no imklog: /dev/log and the kernel log are left alone; its
// own messages are processed here, processInternalMessages, instead of
// going to the host's /dev/log), and
// three inputs on free 127.0.0.1 ports - imudp, imtcp, and imtcp with the
// OpenSSL stream driver (TLS, anonymous clients) and a certificate for
// IP:127.0.0.1 issued by a CA the lab makes with the openssl CLI. Everything
// received is written, raw (%rawmsg%), one message a line, to a file the test
// reads. rsyslogd is killed when the lab goes away, and also when the test
// process dies without unwinding (it gets SIGKILL as its parent dies).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <string_view>
#include <thread>

#include "tests/support/background_server.h"
#include "tests/support/loopback_port.h"
#include "tests/support/process.h"

namespace responder::lab {

using testing::free_loopback_port;

inline bool loopback_port_open(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool open = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return open;
}

inline void send_udp(int port, const std::string& datagram) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  [[maybe_unused]] auto sent =
      ::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::close(fd);
}

// Empty when rsyslogd and the openssl CLI are installed, else why not.
inline std::string rsyslog_lab_unavailable() {
  if (::access("/usr/sbin/rsyslogd", X_OK) != 0) return "/usr/sbin/rsyslogd is not installed (apt-get install rsyslog)";
  if (::access("/usr/bin/openssl", X_OK) != 0) return "/usr/bin/openssl is not installed (apt-get install openssl)";
  // The stream driver is loaded only when the TLS listener starts, so a
  // configuration check does not notice it missing: look for it beside imtcp.
  for (auto* dir : {"/usr/lib/x86_64-linux-gnu/rsyslog", "/usr/lib/aarch64-linux-gnu/rsyslog", "/usr/lib64/rsyslog",
                    "/usr/lib/rsyslog"}) {
    if (::access((std::string(dir) + "/imtcp.so").c_str(), R_OK) != 0) continue;
    if (::access((std::string(dir) + "/lmnsd_ossl.so").c_str(), R_OK) != 0)
      return std::string("rsyslog's OpenSSL stream driver ") + dir +
             "/lmnsd_ossl.so is not installed (apt-get install rsyslog-openssl)";
    return {};
  }
  return {};
}

class RsyslogLab {
 public:
  RsyslogLab() {
    udp_port_ = free_loopback_port(SOCK_DGRAM);
    tcp_port_ = free_loopback_port(SOCK_STREAM);
    tls_port_ = free_loopback_port(SOCK_STREAM);
    std::filesystem::create_directories(dir_ / "work");
  }
  RsyslogLab(const RsyslogLab&) = delete;
  RsyslogLab& operator=(const RsyslogLab&) = delete;

  // Makes the certificates and the configuration, starts rsyslogd and waits
  // until all three inputs take messages. Empty on success, else what went
  // wrong; "SKIP: ..." when the ossl stream driver (rsyslog-openssl) is
  // missing.
  std::string start() {
    if (auto why = make_certificates(); !why.empty()) return why;
    auto d = dir_.path().string();
    std::string config =
        "# rsyslogd lab of the syslog channel tests: no system inputs, and its own\n"
        "# messages kept here rather than sent to the host's /dev/log\n"
        "global(processInternalMessages=\"on\"\n"
        "       workDirectory=\"" + d + "/work\"\n"
        "       defaultNetstreamDriverCAFile=\"" + d + "/ca.pem\"\n"
        "       defaultNetstreamDriverCertFile=\"" + d + "/server.pem\"\n"
        "       defaultNetstreamDriverKeyFile=\"" + d + "/server.key\")\n"
        "module(load=\"imudp\")\n"
        "module(load=\"imtcp\")\n"
        "input(type=\"imudp\" address=\"127.0.0.1\" port=\"" + std::to_string(udp_port_) + "\")\n"
        "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + std::to_string(tcp_port_) + "\")\n"
        "input(type=\"imtcp\" address=\"127.0.0.1\" port=\"" + std::to_string(tls_port_) + "\"\n"
        "      streamDriver.name=\"ossl\" streamDriver.mode=\"1\" streamDriver.authMode=\"anon\")\n"
        "template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n"
        "action(type=\"omfile\" file=\"" + d + "/received.log\" template=\"raw\")\n";
    config_ = dir_.write("rsyslog.conf", config);
    auto check = testing::run_process({"/usr/sbin/rsyslogd", "-N1", "-f", config_.string()});
    if (check.exit_code != 0) {
      if (check.err.find("ossl") != std::string::npos)
        return "SKIP: rsyslog's ossl stream driver is missing (apt-get install rsyslog-openssl): " + check.err;
      return "rsyslogd -N1 rejected the lab configuration: " + check.err;
    }
    std::string pid_file = d + "/rsyslogd.pid";
    server_.start({"/usr/sbin/rsyslogd", "-n", "-f", config_.string(), "-i", pid_file}, dir_ / "rsyslogd.out");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (!loopback_port_open(tcp_port_) || !loopback_port_open(tls_port_)) {
      if (std::chrono::steady_clock::now() > deadline) return "rsyslogd did not open its TCP ports: " + log_text();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    // imudp may start after imtcp: probe until a datagram arrives.
    for (int i = 0; !received_contains("udp-probe"); ++i) {
      if (std::chrono::steady_clock::now() > deadline) return "rsyslogd did not take UDP messages: " + log_text();
      send_udp(udp_port_, "<14>1 - - lab - - - udp-probe " + std::to_string(i));
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {};
  }

  std::string received() const { return testing::slurp(dir_ / "received.log"); }
  bool received_contains(std::string_view text) const { return received().find(text) != std::string::npos; }
  // Polls the received messages until `text` is among them or `limit` passes.
  bool wait_for(std::string_view text, std::chrono::milliseconds limit = std::chrono::seconds(10)) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!received_contains(text)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }
  std::string log_text() const { return testing::slurp(dir_ / "rsyslogd.out"); }

  int udp_port() const { return udp_port_; }
  int tcp_port() const { return tcp_port_; }
  int tls_port() const { return tls_port_; }
  std::filesystem::path ca_file() const { return dir_ / "ca.pem"; }

 private:
  std::string make_certificates() {
    auto d = dir_.path().string();
    dir_.write("server.ext", "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
    std::vector<std::vector<std::string>> steps = {
        {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
         d + "/ca.key", "-out", d + "/ca.pem", "-days", "2", "-subj", "/CN=responder syslog test CA"},
        {"openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
         d + "/server.key", "-out", d + "/server.csr", "-subj", "/CN=127.0.0.1"},
        {"openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.pem", "-CAkey", d + "/ca.key",
         "-CAcreateserial", "-out", d + "/server.pem", "-days", "2", "-extfile", d + "/server.ext"},
    };
    for (auto& argv : steps) {
      auto r = testing::run_process(argv);
      if (r.exit_code != 0) return "openssl " + argv[1] + " failed: " + r.err;
    }
    return {};
  }

  testing::TempDir dir_;  // removed after rsyslogd is killed
  std::filesystem::path config_;
  int udp_port_ = -1, tcp_port_ = -1, tls_port_ = -1;
  testing::BackgroundServer server_;  // last: killed before the directory goes
};

}  // namespace responder::lab
