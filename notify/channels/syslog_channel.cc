#include "notify/channels/syslog_channel.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <optional>

#include "notify/channels/channel_settings.h"
#include "notify/channels/host_lookup.h"
#include "notify/channels/tcp_endpoints.h"
#include "notify/channels/syslog_message.h"
#include "notify/channels/tls_client.h"
#include "responder/message_text.h"

namespace responder::notify {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

// RFC 5426 §3.2: every receiver SHOULD accept datagrams of this size.
constexpr std::size_t kUdpMaxOctets = 2048;

enum class Transport { udp, tcp, tls };

std::string_view transport_name(Transport t) {
  switch (t) {
    case Transport::udp: return "udp";
    case Transport::tcp: return "tcp";
    case Transport::tls: return "tls";
  }
  return "?";
}

// Runs the one asynchronous operation `start` begins until it completes or
// `deadline` passes. At the deadline `socket` is closed, which ends the
// operation at once, and the answer is asio::error::timed_out.
template <class Socket, class Start>
error_code run_step(asio::io_context& io, Socket& socket, Clock::time_point deadline, Start start) {
  std::optional<error_code> outcome;
  start([&outcome](error_code ec, auto&&...) { outcome = ec; });
  io.restart();
  io.run_until(deadline);
  if (outcome) return *outcome;
  error_code ignored;
  socket.close(ignored);
  io.restart();
  io.run();
  return asio::error::timed_out;
}

DeliveryResult retry(std::string detail) { return {DeliveryState::retry, std::move(detail), std::nullopt}; }
DeliveryResult failed(std::string detail) { return {DeliveryState::failed, std::move(detail), std::nullopt}; }

class SyslogChannel final : public Channel {
 public:
  SyslogChannel(std::string name, std::string host, int port, Transport transport, int facility, std::string app_name,
                std::chrono::seconds timeout, std::shared_ptr<ssl::context> tls)
      : name_(std::move(name)),
        host_(std::move(host)),
        port_(port),
        transport_(transport),
        facility_(facility),
        app_name_(std::move(app_name)),
        timeout_(timeout),
        tls_(std::move(tls)) {
    std::array<char, 256> buffer{};
    if (::gethostname(buffer.data(), buffer.size() - 1) == 0) hostname_ = buffer.data();
  }

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "syslog"; }

  DeliveryResult send(const Message& message, const std::string&, Clock::time_point deadline) override {
    deadline = std::min(deadline, Clock::now() + timeout_);
    SyslogOrigin origin{facility_, hostname_, app_name_, std::to_string(::getpid()), std::chrono::system_clock::now()};
    HostLookup lookup = lookup_host(host_, deadline);
    if (!lookup.error.empty()) return lookup.transient ? retry(lookup.error) : failed(lookup.error);
    if (transport_ == Transport::udp) return send_udp(syslog_message(origin, message, kUdpMaxOctets), lookup.addresses);
    std::string line = syslog_message(origin, message);
    std::string frame = std::to_string(line.size()) + " " + line;
    std::vector<asio::ip::tcp::endpoint> endpoints;
    for (auto& a : lookup.addresses) endpoints.emplace_back(asio_address(a), static_cast<unsigned short>(port_));
    if (transport_ == Transport::tcp) return send_tcp(frame, endpoints, deadline);
    return send_tls(frame, endpoints, deadline);
  }

 private:
  std::string where() const { return host_ + ":" + std::to_string(port_); }

  DeliveryResult send_udp(const std::string& datagram, const std::vector<IpAddress>& addresses) {
    asio::io_context io;
    std::string errors;
    for (auto& a : addresses) {
      asio::ip::udp::endpoint to(asio_address(a), static_cast<unsigned short>(port_));
      asio::ip::udp::socket socket(io);
      error_code ec;
      socket.open(to.protocol(), ec);
      if (!ec) socket.non_blocking(true, ec);
      if (!ec) socket.connect(to, ec);
      if (!ec) socket.send(asio::buffer(datagram), 0, ec);
      if (!ec)
        return {DeliveryState::delivered,
                "sent by UDP to " + where() + " (" + std::to_string(datagram.size()) +
                    " octets); syslog over UDP does not confirm receipt",
                std::nullopt};
      errors += (errors.empty() ? "" : "; ") + to.address().to_string() + ": " + ec.message();
    }
    return retry("cannot send by UDP to " + where() + ": " + errors);
  }

  DeliveryResult send_tcp(const std::string& frame, const std::vector<asio::ip::tcp::endpoint>& endpoints,
                          Clock::time_point deadline) {
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    error_code ec = run_step(io, socket, deadline, [&](auto done) { asio::async_connect(socket, endpoints, done); });
    if (ec) return retry("cannot connect to " + where() + " over tcp: " + ec.message());
    ec = run_step(io, socket, deadline, [&](auto done) { asio::async_write(socket, asio::buffer(frame), done); });
    if (ec) return retry("cannot write to " + where() + " over tcp: " + ec.message());
    // Our end of stream, then the collector's: once it closes, it has read
    // everything we wrote.
    socket.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    if (ec) return retry("cannot end the stream to " + where() + ": " + ec.message());
    std::array<char, 512> ignored;
    do {
      ec = run_step(io, socket, deadline, [&](auto done) { socket.async_read_some(asio::buffer(ignored), done); });
    } while (!ec);
    if (ec != asio::error::eof)
      return retry("wrote " + std::to_string(frame.size()) + " octets to " + where() +
                   " over tcp, but the collector did not close the connection cleanly: " + ec.message());
    return {DeliveryState::delivered,
            "sent to " + where() + " over tcp (" + std::to_string(frame.size()) +
                " octets); the collector closed the connection cleanly",
            std::nullopt};
  }

  DeliveryResult send_tls(const std::string& frame, const std::vector<asio::ip::tcp::endpoint>& endpoints,
                          Clock::time_point deadline) {
    asio::io_context io;
    ssl::stream<asio::ip::tcp::socket> stream(io, *tls_);
    auto& socket = stream.next_layer();
    if (auto named = expect_peer_name(stream.native_handle(), host_); !named) return failed(named.error().message);
    error_code ec = run_step(io, socket, deadline, [&](auto done) { asio::async_connect(socket, endpoints, done); });
    if (ec) return retry("cannot connect to " + where() + " over tls: " + ec.message());
    ec = run_step(io, socket, deadline,
                  [&](auto done) { stream.async_handshake(ssl::stream_base::client, done); });
    if (ec) {
      std::string why = verification_failure(stream.native_handle());
      if (!why.empty()) return failed("TLS handshake with " + where() + " failed: " + why);
      if (ec.category() == asio::error::get_ssl_category())
        return failed("TLS handshake with " + where() + " failed: " + ec.message());
      return retry("TLS handshake with " + where() + " failed: " + ec.message());
    }
    ec = run_step(io, socket, deadline, [&](auto done) { asio::async_write(stream, asio::buffer(frame), done); });
    if (ec) return retry("cannot write to " + where() + " over tls: " + ec.message());
    // close_notify, then the collector's close_notify or end of stream: it
    // has read everything we wrote.
    ec = run_step(io, socket, deadline, [&](auto done) { stream.async_shutdown(done); });
    if (ec && ec != asio::error::eof && ec != ssl::error::stream_truncated)
      return retry("wrote " + std::to_string(frame.size()) + " octets to " + where() +
                   " over tls, but the collector did not close the connection cleanly: " + ec.message());
    return {DeliveryState::delivered,
            "sent to " + where() + " over tls (" + std::to_string(frame.size()) +
                " octets, certificate verified); the collector closed the connection cleanly",
            std::nullopt};
  }

  std::string name_, host_;
  int port_;
  Transport transport_;
  int facility_;
  std::string app_name_;
  std::chrono::seconds timeout_;
  std::shared_ptr<ssl::context> tls_;
  std::string hostname_;
};

}  // namespace

Result<std::unique_ptr<Channel>> make_syslog_channel(const std::string& name, const json::object& settings,
                                                     const Config&) {
  ChannelSettings s(name, settings);
  if (auto ok = s.only_keys({"host", "port", "transport", "ca_file", "facility", "app_name", "timeout_seconds"}); !ok)
    return ok.error();
  auto host = s.text("host", true);
  if (!host) return host.error();
  if (!valid_syslog_header_field(*host, 253))
    return bad_input(s.where("host") + ": " + in_quotes(*host) + " is not a host name or IP address");
  auto transport_text = s.text("transport", false, "tls");
  if (!transport_text) return transport_text.error();
  Transport transport;
  if (*transport_text == "udp") transport = Transport::udp;
  else if (*transport_text == "tcp") transport = Transport::tcp;
  else if (*transport_text == "tls") transport = Transport::tls;
  else return bad_input(s.where("transport") + ": " + in_quotes(*transport_text) + " is not one of udp, tcp, tls");
  auto port = s.integer("port", 1, 65535, transport == Transport::tls ? 6514 : 514);
  if (!port) return port.error();
  auto ca_file = s.text("ca_file", false);
  if (!ca_file) return ca_file.error();
  if (!ca_file->empty() && transport != Transport::tls)
    return bad_input(s.where("ca_file") + ": only a channel with transport tls verifies certificates; this one uses " +
                     std::string(transport_name(transport)));
  auto facility_text = s.text("facility", false, "local0");
  if (!facility_text) return facility_text.error();
  auto facility = syslog_facility(*facility_text);
  if (!facility)
    return bad_input(s.where("facility") + ": " + in_quotes(*facility_text) +
                     " is not a syslog facility; known: kern, user, mail, daemon, auth, syslog, lpr, news, uucp, "
                     "cron, authpriv, ftp, ntp, audit, alert, clock, local0 to local7");
  auto app_name = s.text("app_name", false, "responder");
  if (!app_name) return app_name.error();
  if (!valid_syslog_header_field(*app_name, 48))
    return bad_input(s.where("app_name") + ": " + in_quotes(*app_name) +
                     " must be 1 to 48 printable ASCII characters without spaces (RFC 5424 APP-NAME)");
  auto timeout = s.integer("timeout_seconds", 1, 3600, 10);
  if (!timeout) return timeout.error();
  std::shared_ptr<ssl::context> tls;
  if (transport == Transport::tls) {
    auto context = client_tls_context(*ca_file);
    if (!context) {
      if (ca_file->empty()) return context.error();
      return bad_input(s.where("ca_file") + ": " + context.error().message);
    }
    tls = *context;
  }
  return std::unique_ptr<Channel>(std::make_unique<SyslogChannel>(name, *host, static_cast<int>(*port), transport,
                                                                  *facility, *app_name,
                                                                  std::chrono::seconds(*timeout), std::move(tls)));
}

}  // namespace responder::notify
