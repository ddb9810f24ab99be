#include "notify/channels/smtp_channel.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <vector>

#include "notify/channels/channel_settings.h"
#include "notify/channels/mail_address.h"
#include "notify/channels/mail_text.h"
#include "notify/channels/tcp_endpoints.h"
#include "notify/channels/tls_client.h"
#include "responder/address.h"
#include "responder/message_text.h"

namespace responder::notify {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

enum class Security { starttls, tls, none };

struct SmtpSettings {
  std::string host;
  std::uint16_t port = 587;
  Security security = Security::starttls;
  std::string from, username, password, helo;
  std::chrono::seconds timeout{30};
  std::shared_ptr<ssl::context> tls;
};

bool loopback(const IpAddress& a) {
  if (a.family == AF_INET) return a.bytes[0] == 127;
  static const std::array<std::uint8_t, 16> one{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  bool mapped = std::all_of(a.bytes.begin(), a.bytes.begin() + 10, [](auto b) { return b == 0; }) &&
                a.bytes[10] == 0xff && a.bytes[11] == 0xff && a.bytes[12] == 127;
  return a.bytes == one || mapped;
}

bool loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  auto ip = parse_ip(host);
  return ip && loopback(*ip);
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// A string wiped from memory when it goes away: commands carrying credentials.
struct Wiped {
  std::string text;
  ~Wiped() { OPENSSL_cleanse(text.data(), text.size()); }
};

DeliveryResult result(DeliveryState state, std::string detail) { return {state, std::move(detail), std::nullopt}; }

// One server reply: its code and every line of it.
struct Reply {
  int code = 0;
  std::vector<std::string> lines;
  std::string text() const { return one_line(lines.empty() ? "" : lines.back()); }
};

// Lines escaped, dots doubled at line starts, ended with CRLF.CRLF.
std::string dot_stuffed(const std::string& mail) {
  std::string out;
  out.reserve(mail.size() + mail.size() / 50 + 5);
  bool line_start = true;
  for (char c : mail) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = c == '\n';
  }
  return out + ".\r\n";
}

// One SMTP conversation: one connection, one message, one deadline. Every
// network operation is asynchronous and the io_context runs only until the
// deadline; when it passes, the socket is closed and the operation fails.
class Conversation {
 public:
  Conversation(const SmtpSettings& s, Clock::time_point deadline)
      : s_(s), deadline_(std::min(deadline, Clock::now() + s.timeout)), stream_(io_, *s.tls) {}
  ~Conversation() {
    error_code ignored;
    stream_.next_layer().close(ignored);
    io_.restart();
    io_.run();
  }

  DeliveryResult deliver(const Message& message, const std::string& to) {
    if (auto stop = connect()) return *stop;
    if (s_.security == Security::tls)
      if (auto stop = handshake()) return *stop;
    Reply reply;
    if (auto stop = read_reply(reply, "the greeting")) return *stop;
    if (auto stop = expect(reply, 2, "the greeting")) return *stop;
    if (auto stop = ehlo()) return *stop;
    if (s_.security == Security::starttls) {
      if (!offers("STARTTLS"))
        return result(DeliveryState::failed, where() + " does not offer STARTTLS; with security: starttls nothing is "
                                                       "sent in plaintext");
      if (auto stop = command("STARTTLS", reply, 2, "STARTTLS")) return *stop;
      // Anything the server sent after its 220 came before TLS: a man in the
      // middle injecting commands or replies (CVE-2011-0411 and kin).
      if (!in_.empty())
        return result(DeliveryState::failed, where() + " sent data after agreeing to STARTTLS, before TLS: refused");
      if (auto stop = handshake()) return *stop;
      if (auto stop = ehlo()) return *stop;
    }
    if (!s_.username.empty())
      if (auto stop = authenticate()) return *stop;

    MailText mail = mail_text(message, s_.from, to, std::chrono::system_clock::now(), offers("8BITMIME"));
    std::string mail_from = "MAIL FROM:<" + s_.from + ">" + (mail.eight_bit ? " BODY=8BITMIME" : "");
    if (auto stop = command(mail_from, reply, 2, "MAIL FROM")) return *stop;
    if (auto stop = command("RCPT TO:<" + to + ">", reply, 2, "RCPT TO")) return *stop;
    if (auto stop = command("DATA", reply, 3, "DATA")) return *stop;
    if (auto stop = send_text(dot_stuffed(mail.text), "the message")) return *stop;
    if (auto stop = read_reply(reply, "the reply to the message")) return *stop;
    if (auto stop = expect(reply, 2, "the message")) return *stop;
    DeliveryResult delivered = result(DeliveryState::delivered, reply.text());
    Reply bye;
    if (!send_text("QUIT\r\n", "QUIT")) (void)read_reply(bye, "QUIT");  // delivered whatever happens now
    return delivered;
  }

 private:
  using Stop = std::optional<DeliveryResult>;

  std::string where() const { return s_.host + ":" + std::to_string(s_.port); }

  // Runs the operation `start` begins (it is handed a completion handler)
  // until it completes or the deadline passes; then the socket is closed and
  // the result is timed_out.
  template <class Start>
  error_code await(Start start) {
    bool done = false;
    error_code outcome;
    start([&done, &outcome](const error_code& ec, auto&&...) {
      outcome = ec;
      done = true;
    });
    io_.restart();
    while (!done && io_.run_one_until(deadline_) > 0) {
    }
    if (done) return outcome;
    timed_out_ = true;
    error_code ignored;
    stream_.next_layer().close(ignored);
    io_.restart();
    io_.run();  // the aborted operation's handler runs now, while `done` lives
    return asio::error::timed_out;
  }

  // Why the connection failed while `doing`: retry for the network (it may
  // come back), failed for TLS errors (they will not go away by themselves).
  DeliveryResult broken(const error_code& ec, std::string_view doing) const {
    if (timed_out_) return result(DeliveryState::retry, "no answer from " + where() + " within the deadline, waiting for " + std::string(doing));
    if (ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated)
      return result(DeliveryState::failed, "TLS error with " + where() + " during " + std::string(doing) + ": " + ec.message());
    return result(DeliveryState::retry, "connection to " + where() + " failed during " + std::string(doing) + ": " + ec.message());
  }

  Stop connect() {
    // A name that does not exist is permanent for this channel; a resolver
    // that did not answer in time may answer later.
    TcpEndpoints found = lookup_tcp_endpoints(s_.host, s_.port, deadline_);
    if (!found.error.empty()) return result(found.transient ? DeliveryState::retry : DeliveryState::failed, found.error);
    std::vector<tcp::endpoint> endpoints = std::move(found.endpoints);
    error_code ec;
    // security: none talks in the clear: only to this host, whatever a name resolved to.
    if (s_.security == Security::none)
      std::erase_if(endpoints, [](const tcp::endpoint& e) { return !e.address().is_loopback(); });
    if (endpoints.empty())
      return result(DeliveryState::failed, s_.host + " has no loopback address, and security: none sends in the clear");
    ec = await([&](auto complete) { asio::async_connect(stream_.next_layer(), endpoints, complete); });
    if (ec) {
      if (timed_out_) return result(DeliveryState::retry, "cannot connect to " + where() + " within the deadline");
      return result(DeliveryState::retry, "cannot connect to " + where() + ": " + ec.message());
    }
    return std::nullopt;
  }

  Stop handshake() {
    SSL* ssl_handle = stream_.native_handle();
    if (auto named = expect_peer_name(ssl_handle, s_.host); !named)
      return result(DeliveryState::failed, named.error().message);
    error_code ec = await([&](auto complete) { stream_.async_handshake(ssl::stream_base::client, complete); });
    if (ec) {
      if (std::string why = verification_failure(ssl_handle); !why.empty() && !timed_out_)
        return result(DeliveryState::failed, why + " (" + where() + ")");
      return broken(ec, "the TLS handshake");
    }
    tls_ = true;
    return std::nullopt;
  }

  Stop send_text(const std::string& text, std::string_view doing) {
    error_code ec = tls_ ? await([&](auto complete) { asio::async_write(stream_, asio::buffer(text), complete); })
                         : await([&](auto complete) {
                             asio::async_write(stream_.next_layer(), asio::buffer(text), complete);
                           });
    if (ec) return broken(ec, doing);
    return std::nullopt;
  }

  // One reply, all its lines ("250-..." continues, "250 ..." ends it).
  Stop read_reply(Reply& reply, std::string_view waiting_for) {
    reply = Reply{};
    constexpr std::size_t kMaxReply = 64 * 1024;
    while (true) {
      auto buffer = asio::dynamic_buffer(in_, kMaxReply);
      error_code ec = tls_ ? await([&](auto complete) { asio::async_read_until(stream_, buffer, "\r\n", complete); })
                           : await([&](auto complete) {
                               asio::async_read_until(stream_.next_layer(), buffer, "\r\n", complete);
                             });
      if (ec) return broken(ec, waiting_for);
      std::size_t end = in_.find("\r\n");
      std::string line = in_.substr(0, end);
      in_.erase(0, end + 2);
      bool numbered = line.size() >= 3 && std::all_of(line.begin(), line.begin() + 3, [](char c) { return c >= '0' && c <= '9'; }) &&
                      (line.size() == 3 || line[3] == ' ' || line[3] == '-');
      int code = numbered ? std::stoi(line.substr(0, 3)) : 0;
      if (!numbered || code < 200 || code > 599 || (reply.code != 0 && code != reply.code) || reply.lines.size() > 200)
        return result(DeliveryState::failed, where() + " does not speak SMTP; it answered " + in_quotes(line));
      reply.code = code;
      reply.lines.push_back(line);
      if (line.size() == 3 || line[3] == ' ') return std::nullopt;
    }
  }

  // Nothing when the reply is in class `klass` (2, 3), else 4xx: retry,
  // anything else: failed; the detail says what was refused.
  Stop expect(const Reply& reply, int klass, std::string_view after) const {
    if (reply.code / 100 == klass) return std::nullopt;
    DeliveryState state = reply.code / 100 == 4 ? DeliveryState::retry : DeliveryState::failed;
    return result(state, where() + " refused " + std::string(after) + ": " + reply.text());
  }

  Stop command(const std::string& line, Reply& reply, int klass, std::string_view what) {
    if (auto stop = send_text(line + "\r\n", what)) return stop;
    if (auto stop = read_reply(reply, "the reply to " + std::string(what))) return stop;
    return expect(reply, klass, what);
  }

  Stop ehlo() {
    Reply reply;
    if (auto stop = command("EHLO " + s_.helo, reply, 2, "EHLO")) return stop;
    extensions_.clear();
    for (std::size_t i = 1; i < reply.lines.size(); ++i) {
      std::string keyword = reply.lines[i].size() > 4 ? reply.lines[i].substr(4) : "";
      for (char& c : keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      extensions_.push_back(keyword);
    }
    return std::nullopt;
  }

  // True when the last EHLO listed `keyword` (as "KEYWORD" or "KEYWORD params").
  bool offers(std::string_view keyword) const {
    return std::any_of(extensions_.begin(), extensions_.end(), [&](const std::string& e) {
      return e.compare(0, keyword.size(), keyword) == 0 && (e.size() == keyword.size() || e[keyword.size()] == ' ');
    });
  }

  bool offers_auth(std::string_view mechanism) const {
    for (const std::string& e : extensions_) {
      if (e.compare(0, 5, "AUTH ") != 0 && e.compare(0, 5, "AUTH=") != 0) continue;
      std::string_view rest = std::string_view(e).substr(5);
      while (!rest.empty()) {
        std::size_t space = rest.find(' ');
        if (rest.substr(0, space) == mechanism) return true;
        if (space == std::string_view::npos) break;
        rest.remove_prefix(space + 1);
      }
    }
    return false;
  }

  // AUTH PLAIN, or LOGIN when only that is offered. Only over TLS, or with
  // security: none (loopback only). Errors never hold the password.
  Stop authenticate() {
    if (!tls_ && s_.security != Security::none)
      return result(DeliveryState::failed, "refusing to send credentials to " + where() + " without TLS");
    Reply reply;
    auto exchange = [&](const std::string& line) -> Stop {
      if (auto stop = send_text(line, "AUTH")) return stop;
      return read_reply(reply, "the reply to AUTH");
    };
    auto refused = [&]() -> Stop {
      DeliveryState state = reply.code / 100 == 4 ? DeliveryState::retry : DeliveryState::failed;
      return result(state, "authentication as " + in_quotes(s_.username) + " at " + where() + " failed: " + reply.text());
    };
    if (offers_auth("PLAIN")) {
      Wiped plain{std::string(1, '\0') + s_.username + std::string(1, '\0') + s_.password};
      Wiped line{"AUTH PLAIN " + base64(plain.text) + "\r\n"};
      if (auto stop = exchange(line.text)) return stop;
      return reply.code / 100 == 2 ? std::nullopt : refused();
    }
    if (offers_auth("LOGIN")) {
      if (auto stop = exchange("AUTH LOGIN\r\n")) return stop;
      if (reply.code != 334) return refused();
      if (auto stop = exchange(base64(s_.username) + "\r\n")) return stop;
      if (reply.code != 334) return refused();
      Wiped secret{base64(s_.password) + "\r\n"};
      if (auto stop = exchange(secret.text)) return stop;
      return reply.code / 100 == 2 ? std::nullopt : refused();
    }
    return result(DeliveryState::failed, where() + " offers neither AUTH PLAIN nor AUTH LOGIN, and username is set");
  }

  const SmtpSettings& s_;
  Clock::time_point deadline_;
  asio::io_context io_;
  ssl::stream<tcp::socket> stream_;
  bool tls_ = false, timed_out_ = false;
  std::string in_;  // received, not yet read as a reply
  std::vector<std::string> extensions_;  // the last EHLO's, upper case
};

class SmtpChannel final : public Channel {
 public:
  SmtpChannel(std::string name, SmtpSettings settings) : name_(std::move(name)), settings_(std::move(settings)) {}
  ~SmtpChannel() override { OPENSSL_cleanse(settings_.password.data(), settings_.password.size()); }
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "smtp"; }
  DeliveryResult send(const Message& message, const std::string& address, Clock::time_point deadline) override {
    if (auto ok = check_mail_address(address); !ok)
      return result(DeliveryState::failed, "not sent: " + ok.error().message);
    try {
      Conversation conversation(settings_, deadline);
      return conversation.deliver(message, address);
    } catch (const std::exception& e) {  // allocation, or Asio's own failures
      return result(DeliveryState::retry, "smtp to " + settings_.host + " stopped: " + one_line(e.what()));
    }
  }

 private:
  std::string name_;
  SmtpSettings settings_;
};

// A HELO name: a domain name or an address literal ("[192.0.2.1]").
bool helo_ok(const std::string& helo) {
  if (helo.empty() || helo.size() > 255) return false;
  if (helo.front() == '[' && helo.back() == ']') return static_cast<bool>(parse_ip(helo.substr(1, helo.size() - 2)));
  return std::all_of(helo.begin(), helo.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
  });
}

std::string this_host() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || !helo_ok(name)) return "localhost";
  return name;
}

}  // namespace

Result<std::unique_ptr<Channel>> make_smtp_channel(const std::string& name, const json::object& settings,
                                                   const Config& config) {
  ChannelSettings s(name, settings);
  if (auto ok = s.only_keys({"host", "port", "security", "from", "username", "password", "ca_file", "helo",
                             "timeout_seconds"});
      !ok)
    return ok.error();
  SmtpSettings smtp;
  auto host = s.text("host", true);
  if (!host) return host.error();
  smtp.host = *host;
  if (smtp.host.empty() || smtp.host.size() > 255 ||
      std::any_of(smtp.host.begin(), smtp.host.end(), [](char c) { return c <= ' ' || c == 0x7f; }))
    return bad_input(s.where("host") + ": " + in_quotes(smtp.host) + " is not a host name or address");

  auto security = s.text("security", false, "starttls");
  if (!security) return security.error();
  if (*security == "starttls") smtp.security = Security::starttls;
  else if (*security == "tls") smtp.security = Security::tls;
  else if (*security == "none") smtp.security = Security::none;
  else return bad_input(s.where("security") + ": " + in_quotes(*security) + " is not starttls, tls or none");
  if (smtp.security == Security::none && !loopback_host(smtp.host))
    return bad_input(s.where("security") + ": none sends mail and credentials in the clear, so it is allowed only to a "
                     "loopback host (127.0.0.1, ::1, localhost), not " + in_quotes(smtp.host));

  auto port = s.integer("port", 1, 65535, smtp.security == Security::tls ? 465 : 587);
  if (!port) return port.error();
  smtp.port = static_cast<std::uint16_t>(*port);

  auto from = s.text("from", true);
  if (!from) return from.error();
  if (auto ok = check_mail_address(*from); !ok) return bad_input(s.where("from") + ": " + ok.error().message);
  smtp.from = *from;

  auto username = s.text("username", false);
  if (!username) return username.error();
  smtp.username = *username;
  if (std::any_of(smtp.username.begin(), smtp.username.end(), [](char c) { return c == '\0' || c == '\r' || c == '\n'; }))
    return bad_input(s.where("username") + ": holds a control character");
  auto password = s.secret("password", config);
  if (!password) return password.error();
  smtp.password = std::move(*password);
  if (smtp.username.empty() != smtp.password.empty())
    return bad_input(smtp.username.empty() ? s.where("username") + " is required with password"
                                           : s.where("password") + " (a secret's name) is required with username");

  auto ca_file = s.text("ca_file", false);
  if (!ca_file) return ca_file.error();
  auto tls = client_tls_context(*ca_file);
  if (!tls) return Error{tls.error().kind, s.where("ca_file") + ": " + tls.error().message};
  smtp.tls = *tls;

  auto helo = s.text("helo", false, this_host());
  if (!helo) return helo.error();
  if (!helo_ok(*helo)) return bad_input(s.where("helo") + ": " + in_quotes(*helo) + " is not a host name or [address]");
  smtp.helo = *helo;

  auto timeout = s.integer("timeout_seconds", 1, 3600, 30);
  if (!timeout) return timeout.error();
  smtp.timeout = std::chrono::seconds(*timeout);

  return std::unique_ptr<Channel>(std::make_unique<SmtpChannel>(name, std::move(smtp)));
}

}  // namespace responder::notify
