#include "notify/channels/webhook_channel.h"

#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cstring>
#include <optional>

#include "notify/channels/channel_settings.h"
#include "notify/channels/retry_after.h"
#include "notify/channels/tcp_endpoints.h"
#include "notify/channels/tls_client.h"
#include "notify/channels/webhook_payload.h"
#include "notify/channels/webhook_url.h"
#include "responder/address.h"
#include "responder/message_text.h"
#include "responder/version.h"

namespace responder::notify {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

const std::string kUserAgent = std::string("responder/") + kResponderVersion;
// After a non-2xx status line, how long the body (only quoted in the detail)
// may take; the verdict does not depend on it.
constexpr std::chrono::seconds kBodyGrace{2};
constexpr std::size_t kBodyLimit = 64 * 1024;

DeliveryResult retry(std::string detail) { return {DeliveryState::retry, std::move(detail), std::nullopt}; }
DeliveryResult failed(std::string detail) { return {DeliveryState::failed, std::move(detail), std::nullopt}; }

// Header values come from incident data: never a line break in a header.
std::string header_value(std::string_view text) { return one_line(text); }

// Runs one asynchronous operation on `io` to its end; the stream's expiry
// bounds it. Returns its error code.
template <class Start>
beast::error_code run_one(asio::io_context& io, Start start) {
  beast::error_code result = asio::error::operation_aborted;
  start([&result](beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

// The far side's answer, or why there is none.
struct Exchange {
  DeliveryResult failure_result;  // meaningful when !answered
  bool answered = false;
  unsigned status = 0;
  std::string location, retry_after, body;
};

bool transient_network_error(const beast::error_code& ec) {
  return ec == beast::error::timeout || ec == asio::error::connection_reset || ec == asio::error::connection_refused ||
         ec == asio::error::connection_aborted || ec == asio::error::broken_pipe || ec == asio::error::eof ||
         ec == asio::error::host_unreachable || ec == asio::error::network_unreachable ||
         ec == asio::ssl::error::stream_truncated || ec == http::error::end_of_stream ||
         ec == http::error::partial_message;
}

DeliveryResult network_failure(const beast::error_code& ec, const std::string& doing, const std::string& authority) {
  if (ec == beast::error::timeout) return retry("the deadline passed while " + doing + " " + authority);
  std::string detail = doing + " " + authority + ": " + ec.message();
  return transient_network_error(ec) ? retry(detail) : failed(detail);
}

// Sends `request` over `stream` (connected, handshaken) and reads the
// answer's status and headers; the body only when the status is not 2xx.
template <class Stream>
Exchange request_and_answer(asio::io_context& io, Stream& stream, http::request<http::string_body>& request,
                            const std::string& authority, Clock::time_point deadline) {
  Exchange exchange;
  auto ec = run_one(io, [&](auto handler) { http::async_write(stream, request, std::move(handler)); });
  if (ec) {
    exchange.failure_result = network_failure(ec, "sending the request to", authority);
    return exchange;
  }
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  // Informational answers (103 Early Hints) come before the real one.
  for (int informational = 0; informational < 8; ++informational) {
    parser.emplace();
    parser->body_limit(kBodyLimit);
    ec = run_one(io, [&](auto handler) { http::async_read_header(stream, buffer, *parser, std::move(handler)); });
    if (ec) {
      exchange.failure_result = network_failure(ec, "reading the answer from", authority);
      return exchange;
    }
    if (parser->get().result_int() >= 200) break;
  }
  const auto& header = parser->get();
  exchange.answered = true;
  exchange.status = header.result_int();
  if (auto it = header.find(http::field::location); it != header.end()) exchange.location = std::string(it->value());
  if (auto it = header.find(http::field::retry_after); it != header.end()) exchange.retry_after = std::string(it->value());
  if (exchange.status / 100 != 2 && !parser->is_done()) {
    beast::get_lowest_layer(stream).expires_at(std::min(deadline, Clock::now() + kBodyGrace));
    ec = run_one(io, [&](auto handler) { http::async_read(stream, buffer, *parser, std::move(handler)); });
    if (!ec) exchange.body = parser->get().body();
  } else if (parser->is_done()) {
    exchange.body = parser->get().body();
  }
  return exchange;
}

DeliveryResult verdict(const Exchange& answer) {
  std::string detail = "HTTP " + std::to_string(answer.status);
  std::string said = answer.body.empty() ? "" : ": " + in_quotes(answer.body);
  unsigned s = answer.status;
  if (s >= 200 && s < 300) return {DeliveryState::delivered, detail, std::nullopt};
  if (s >= 300 && s < 400)
    return failed(detail + ": redirected to " + (answer.location.empty() ? "nowhere" : in_quotes(answer.location)) +
                  "; redirects are not followed, correct the url");
  if (s == 429 || s == 503) {
    DeliveryResult result = retry(detail + said);
    if (!answer.retry_after.empty()) {
      result.retry_after = parse_retry_after(answer.retry_after, std::chrono::system_clock::now());
      if (!result.retry_after) result.detail += " (unreadable Retry-After " + in_quotes(answer.retry_after) + ")";
    }
    return result;
  }
  if (s == 408 || (s >= 500 && s < 600)) return retry(detail + said);
  return failed(detail + said);
}

struct WebhookSettings {
  WebhookUrl url;
  WebhookShape shape = WebhookShape::generic;
  std::string token;
  std::shared_ptr<asio::ssl::context> tls;  // null for http:// to loopback
  std::chrono::seconds timeout{30};
  std::string room;
  bool url_is_secret = false;  // from url_secret: its path is a credential
};

class WebhookChannel final : public Channel {
 public:
  WebhookChannel(std::string name, WebhookSettings settings) : name_(std::move(name)), s_(std::move(settings)) {}
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "webhook"; }

  DeliveryResult send(const Message& message, const std::string& address, Clock::time_point deadline) override {
    DeliveryResult result;
    try {
      result = attempt(message, address, deadline);
    } catch (const std::exception& e) {
      result = retry(std::string("webhook request failed: ") + e.what());
    }
    // A server may echo what it was sent (or redirect to it): the token, and
    // a URL that is itself a secret, never leave in a detail.
    auto hide = [&](const std::string& secret, const char* name) {
      if (secret.empty()) return;
      for (auto at = result.detail.find(secret); at != std::string::npos; at = result.detail.find(secret))
        result.detail.replace(at, secret.size(), name);
    };
    hide(s_.token, "[token]");
    if (s_.url_is_secret && s_.url.target.size() > 1) hide(s_.url.target, "[secret path]");
    return result;
  }

 private:
  DeliveryResult attempt(const Message& message, const std::string& address, Clock::time_point deadline) const {
    deadline = std::min(deadline, Clock::now() + s_.timeout);
    if (Clock::now() >= deadline) return retry("the deadline passed before anything was sent");
    WebhookRequest payload = webhook_request(s_.shape, message, address, s_.url.target, s_.room);
    http::request<http::string_body> request(payload.method == "PUT" ? http::verb::put : http::verb::post,
                                             payload.target, 11);
    request.set(http::field::host, s_.url.host_header());
    request.set(http::field::user_agent, kUserAgent);
    request.set(http::field::content_type, "application/json");
    request.set(http::field::accept, "application/json, */*");
    request.set("Idempotency-Key", header_value(message.key));
    request.set("X-Responder-Journal", header_value(message.journal_witness));
    request.set("X-Responder-Incident", header_value(message.incident_id));
    if (!s_.token.empty()) request.set(http::field::authorization, "Bearer " + s_.token);
    request.keep_alive(false);
    request.body() = std::move(payload.body);
    request.prepare_payload();

    std::string authority = s_.url.authority();
    TcpEndpoints found = lookup_tcp_endpoints(s_.url.host, static_cast<unsigned short>(std::stoi(s_.url.port)), deadline);
    if (!found.error.empty()) return retry(found.error);
    auto* endpoints = &found.endpoints;

    asio::io_context io;
    Exchange answer;
    if (s_.tls) {
      asio::ssl::stream<beast::tcp_stream> stream(io, *s_.tls);
      beast::get_lowest_layer(stream).expires_at(deadline);
      auto ec = run_one(io, [&](auto handler) { beast::get_lowest_layer(stream).async_connect(*endpoints, std::move(handler)); });
      if (ec) return network_failure(ec, "connecting to", authority);
      if (auto named = expect_peer_name(stream.native_handle(), s_.url.host); !named) return failed(named.error().message);
      ec = run_one(io, [&](auto handler) { stream.async_handshake(asio::ssl::stream_base::client, std::move(handler)); });
      if (ec) {
        if (auto why = verification_failure(stream.native_handle()); !why.empty()) return failed(why + " (" + authority + ")");
        return network_failure(ec, "TLS handshake with", authority);
      }
      answer = request_and_answer(io, stream, request, authority, deadline);
    } else {
      beast::tcp_stream stream(io);
      stream.expires_at(deadline);
      auto ec = run_one(io, [&](auto handler) { stream.async_connect(*endpoints, std::move(handler)); });
      if (ec) return network_failure(ec, "connecting to", authority);
      answer = request_and_answer(io, stream, request, authority, deadline);
    }
    if (!answer.answered) return answer.failure_result;
    return verdict(answer);
  }

  std::string name_;
  const WebhookSettings s_;
};

// A bearer token is visible ASCII (RFC 6750 b64token and then some): a space
// or line break would break or forge the header.
bool bearer_token_text(const std::string& token) {
  return std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

Result<std::unique_ptr<Channel>> make_webhook_channel(const std::string& name, const json::object& settings,
                                                      const Config& config) {
  ChannelSettings s(name, settings);
  if (auto ok = s.only_keys({"url", "url_secret", "shape", "token", "ca_file", "timeout_seconds", "room"}); !ok)
    return ok.error();
  WebhookSettings w;

  // A Slack or Teams incoming-webhook URL is itself the credential: it may
  // come from a secret instead, and is then never quoted in an error.
  auto url_text = s.text("url", false);
  if (!url_text) return url_text.error();
  auto secret_url = s.secret("url_secret", config);
  if (!secret_url) return secret_url.error();
  if (url_text->empty() && secret_url->empty())
    return bad_input(s.where("url") + " is required (or url_secret, naming a secret that holds it, when the URL is a credential)");
  if (!url_text->empty() && !secret_url->empty())
    return bad_input(s.where("url") + ": give the URL either as url or as url_secret, not both");
  bool url_is_secret = url_text->empty();
  std::string url_value = url_is_secret ? *secret_url : *url_text;
  auto url = parse_webhook_url(url_value);
  if (!url)
    return bad_input(s.where(url_is_secret ? "url_secret" : "url") + ": " + url.error().message +
                     (url_is_secret ? std::string(" (the secret's value is not shown)") : " (in " + in_quotes(url_value) + ")"));
  w.url = *url;
  w.url_is_secret = url_is_secret;

  auto shape_name = s.text("shape", false, "generic");
  if (!shape_name) return shape_name.error();
  auto shape = webhook_shape_named(*shape_name);
  if (!shape) return bad_input(s.where("shape") + ": unknown shape " + in_quotes(*shape_name) + "; known: generic, slack, teams, matrix");
  w.shape = *shape;

  auto room = s.text("room", false);
  if (!room) return room.error();
  if (w.shape == WebhookShape::matrix) {
    if (room->empty()) return bad_input(s.where("room") + " is required for shape matrix: the room id, as !abc:example.org");
    if (w.url.target.find('?') != std::string::npos)
      return bad_input(s.where("url") + ": for shape matrix, the homeserver's base URL, without a ?query");
  } else if (!room->empty()) {
    return bad_input(s.where("room") + ": only shape matrix takes a room; this channel's shape is " + *shape_name);
  }
  w.room = *room;

  auto token = s.secret("token", config);
  if (!token) return token.error();
  if (!bearer_token_text(*token))
    return bad_input(s.where("token") + ": the secret holds spaces, line breaks or other characters a bearer token cannot hold");
  if (w.shape == WebhookShape::matrix && token->empty())
    return bad_input(s.where("token") + " is required for shape matrix: a secret holding the sender's access token");
  w.token = *token;

  auto timeout = s.integer("timeout_seconds", 1, 3600, 30);
  if (!timeout) return timeout.error();
  w.timeout = std::chrono::seconds(*timeout);

  auto ca_file = s.text("ca_file", false);
  if (!ca_file) return ca_file.error();
  if (w.url.tls) {
    auto tls = client_tls_context(*ca_file);
    if (!tls) return Error{tls.error().kind, s.where("ca_file") + ": " + tls.error().message};
    w.tls = *tls;
  } else if (!ca_file->empty()) {
    return bad_input(s.where("ca_file") + ": the url is plain http://, so there is no certificate to check");
  }
  return std::unique_ptr<Channel>(std::make_unique<WebhookChannel>(name, std::move(w)));
}

}  // namespace responder::notify
