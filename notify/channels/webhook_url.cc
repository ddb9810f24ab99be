#include "notify/channels/webhook_url.h"

#include <algorithm>
#include <cctype>

#include "responder/address.h"

namespace responder::notify {
namespace {

bool loopback(const IpAddress& address) {
  if (address.bit_length() == 32) return address.bytes[0] == 127;
  static const std::array<std::uint8_t, 16> ipv6_loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return address.bytes == ipv6_loopback;
}

bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

bool host_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// A DNS name, not a number in disguise: top-level labels are never all
// digits, and resolvers read "2130706433" or "0x7f.1" as addresses.
bool dns_name(std::string_view host) {
  if (!std::all_of(host.begin(), host.end(), host_name_char)) return false;
  if (host.front() == '.' || host.find("..") != std::string_view::npos) return false;
  std::string_view last = host;
  if (last.back() == '.') last.remove_suffix(1);  // a fully qualified name
  if (auto dot = last.rfind('.'); dot != std::string_view::npos) last = last.substr(dot + 1);
  if (last.empty() || std::all_of(last.begin(), last.end(), digit)) return false;
  return !(last.size() > 1 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X'));
}

}  // namespace

std::string WebhookUrl::host_header() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? "443" : "80")) h += ":" + port;
  return h;
}

std::string WebhookUrl::authority() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + port;
}

Result<WebhookUrl> parse_webhook_url(std::string_view text) {
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u == '\r' || u == '\n') return bad_input("a URL must not hold a line break");
    if (u <= 0x20 || u >= 0x7f)
      return bad_input("a URL must not hold spaces, control characters or bytes outside ASCII (percent-encode them)");
    if (c == '\\') return bad_input("a URL must not hold a backslash");
  }
  WebhookUrl url;
  constexpr std::string_view separator = "://";
  auto scheme_end = text.find(separator);
  if (scheme_end == std::string_view::npos) return bad_input("expected https://host[:port]/path");
  std::string scheme = lower(text.substr(0, scheme_end));
  if (scheme == "https") {
    url.tls = true;
  } else if (scheme == "http") {
    url.tls = false;
  } else {
    return bad_input("the scheme must be https (or http to a loopback address), not " + scheme);
  }
  std::string_view rest = text.substr(scheme_end + separator.size());
  if (rest.find('#') != std::string_view::npos) return bad_input("a webhook URL takes no #fragment");
  std::size_t authority_end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authority_end);
  std::string_view target = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
  if (authority.find('@') != std::string_view::npos)
    return bad_input("a URL must not hold a user name or password (user@host): name a secret in token: instead");

  std::string_view host, port;
  bool port_given = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_input("an IPv6 address in a URL ends with ]");
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_input("expected :port after the IPv6 address");
      port = after.substr(1);
      port_given = true;
    }
    auto address = parse_ip(host);
    if (!address || address->bit_length() != 128) return bad_input("not an IPv6 address between [ and ]");
  } else {
    auto port_colon = authority.find(':');
    host = authority.substr(0, port_colon);
    if (port_colon != std::string_view::npos) {
      port = authority.substr(port_colon + 1);
      port_given = true;
    }
    if (host.empty()) return bad_input("the URL names no host");
    if (!parse_ip(host) && !dns_name(host))
      return bad_input("the host must be a DNS name, an IPv4 address or an [IPv6] address");
  }
  url.host = lower(host);

  if (port_given) {
    if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), digit) || std::stoi(std::string(port)) < 1 ||
        std::stoi(std::string(port)) > 65535)
      return bad_input("the port must be a number from 1 to 65535");
    url.port = std::to_string(std::stoi(std::string(port)));
  } else {
    url.port = url.tls ? "443" : "80";
  }

  if (!url.tls) {
    auto address = parse_ip(url.host);
    if (!address || !loopback(*address))
      return bad_input("plain http:// is allowed only to a loopback address (127.0.0.0/8, ::1); use https://");
  }

  url.target = target.empty() || target.front() == '?' ? "/" + std::string(target) : std::string(target);
  return url;
}

}  // namespace responder::notify
