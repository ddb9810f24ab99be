#include "responder/port_range.h"

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "responder/message_text.h"
#include "responder/value_type.h"

namespace responder {
namespace {

constexpr std::int64_t kLowestPort = 1;
constexpr std::int64_t kHighestPort = 65535;

Error out_of_range(const std::string& port) { return bad_input("port " + port + " is out of range 1-65535"); }

// One port written as decimal digits.
Result<int> port_from_text(std::string_view text) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  bool all_digits = !text.empty() && end == text.data() + text.size() && text.front() != '-';
  if (!all_digits) return bad_input(in_quotes(text) + " is not a port number");
  if (ec != std::errc() || n < kLowestPort || n > kHighestPort) return out_of_range(in_quotes(text));
  return static_cast<int>(n);
}

}  // namespace

Result<PortRange> parse_port_range(const json::value& value) {
  if (value.is_int64() || value.is_uint64()) {
    bool fits = value.is_int64() ? value.get_int64() >= kLowestPort && value.get_int64() <= kHighestPort
                                 : value.get_uint64() >= kLowestPort && value.get_uint64() <= kHighestPort;
    if (!fits) return out_of_range(to_json_text(value));
    int port = static_cast<int>(value.to_number<std::int64_t>());
    return PortRange{port, port};
  }
  if (!value.is_string()) return expected_but_found("a port or port range like 1000-2000", value);
  std::string_view text = value.get_string();
  auto dash = text.find('-');
  if (dash == std::string_view::npos) {
    auto port = port_from_text(text);
    if (!port) return port.error();
    return PortRange{*port, *port};
  }
  std::string range = "port range " + in_quotes(text);
  auto first = port_from_text(text.substr(0, dash));
  if (!first) return bad_input(range + ": " + first.error().message);
  auto last = port_from_text(text.substr(dash + 1));
  if (!last) return bad_input(range + ": " + last.error().message);
  if (*last < *first) return bad_input(range + " runs backwards");
  return PortRange{*first, *last};
}

}  // namespace responder
