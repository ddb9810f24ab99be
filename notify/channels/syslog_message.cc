#include "notify/channels/syslog_message.h"

#include <time.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <utility>

#include "notify/channels/message_footer.h"

namespace responder::notify {
namespace {

constexpr std::string_view kNil = "-";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kBom = "\xEF\xBB\xBF";

// Length of the valid UTF-8 sequence at the start of `s`, or 0 when it is
// not one (overlong forms, surrogates and code points past U+10FFFF are not).
std::size_t utf8_sequence(std::string_view s) {
  auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  std::uint8_t b = byte(0);
  if (b < 0x80) return 1;
  std::size_t length;
  std::uint32_t code;
  if (b >= 0xC2 && b <= 0xDF) length = 2, code = b & 0x1F;
  else if (b >= 0xE0 && b <= 0xEF) length = 3, code = b & 0x0F;
  else if (b >= 0xF0 && b <= 0xF4) length = 4, code = b & 0x07;
  else return 0;
  if (s.size() < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  if (length == 3 && (code < 0x800 || (code >= 0xD800 && code <= 0xDFFF))) return 0;
  if (length == 4 && (code < 0x10000 || code > 0x10FFFF)) return 0;
  return length;
}

// Valid UTF-8 without control characters (newline and tab kept when asked);
// everything else becomes U+FFFD.
std::string clean_text(std::string_view in, bool keep_line_breaks) {
  std::string out;
  out.reserve(in.size());
  while (!in.empty()) {
    std::size_t n = utf8_sequence(in);
    if (n == 0) {
      out += kReplacement;
      in.remove_prefix(1);
      continue;
    }
    if (n == 1) {
      char c = in[0];
      bool control = static_cast<unsigned char>(c) < 0x20 || c == 0x7F;
      bool kept = keep_line_breaks && (c == '\n' || c == '\t');
      if (control && !kept) out += kReplacement;
      else out += c;
    } else if (n == 2 && static_cast<std::uint8_t>(in[0]) == 0xC2 && static_cast<std::uint8_t>(in[1]) < 0xA0) {
      out += kReplacement;  // C1 controls U+0080..U+009F
    } else {
      out.append(in.substr(0, n));
    }
    in.remove_prefix(n);
  }
  return out;
}

std::string_view header_field(std::string_view field, std::size_t max_length) {
  return valid_syslog_header_field(field, max_length) ? field : kNil;
}

std::string timestamp(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  auto since = time.time_since_epoch();
  auto secs = floor<seconds>(since);
  auto micros = duration_cast<microseconds>(since - secs).count();
  time_t t = static_cast<time_t>(secs.count());
  struct tm utc {};
  gmtime_r(&t, &utc);
  std::array<char, 96> text{};  // room for any int in every field
  std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(micros));
  return text.data();
}

}  // namespace

std::optional<int> syslog_facility(std::string_view name) {
  static constexpr std::array<std::string_view, 16> kNames = {
      "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
      "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock"};
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) return static_cast<int>(i);
  if (name.size() == 6 && name.substr(0, 5) == "local" && name[5] >= '0' && name[5] <= '7') return 16 + (name[5] - '0');
  return std::nullopt;
}

int syslog_severity(std::string_view message_severity) {
  if (message_severity == "critical") return 2;
  if (message_severity == "important") return 3;
  if (message_severity == "moderate") return 4;
  return 5;
}

bool valid_syslog_header_field(std::string_view field, std::size_t max_length) {
  if (field.empty() || field.size() > max_length) return false;
  for (char c : field)
    if (c < 33 || c > 126) return false;
  return true;
}

std::string syslog_param_value(std::string_view value) {
  std::string clean = clean_text(value, false), out;
  out.reserve(clean.size());
  for (char c : clean) {
    if (c == '"' || c == '\\' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

std::string syslog_message(const SyslogOrigin& origin, const Message& message, std::size_t max_octets) {
  int facility = origin.facility >= 0 && origin.facility <= 23 ? origin.facility : 16;
  int pri = facility * 8 + syslog_severity(message.severity);
  std::string line = "<" + std::to_string(pri) + ">1 " + timestamp(origin.time) + " ";
  line += header_field(origin.hostname, 255);
  line += ' ';
  line += header_field(origin.app_name, 48);
  line += ' ';
  line += header_field(origin.procid, 128);
  line += " incident [";
  line += kSyslogSdId;
  // Parameter names are fixed here, and each is a valid SD-NAME (printable
  // ASCII without '=', ' ', ']' or '"', at most 32 characters).
  std::pair<std::string_view, const std::string*> params[] = {{"incident", &message.incident_id},
                                                              {"key", &message.key},
                                                              {"severity", &message.severity},
                                                              {"journal", &message.journal_witness},
                                                              {"ack", &message.ack_token}};
  for (auto& [name, value] : params) {
    if (value->empty() && name != "incident") continue;
    line += ' ';
    line += name;
    line += "=\"" + syslog_param_value(*value) + "\"";
  }
  line += "] ";
  line += kBom;
  std::string text = clean_text(message_as_text(message), true);
  if (max_octets > 0) {
    std::size_t room = line.size() < max_octets ? max_octets - line.size() : 0;
    if (text.size() > room) {
      std::size_t cut = room;
      while (cut > 0 && (static_cast<std::uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
      text.resize(cut);
    }
  }
  return line + text;
}

}  // namespace responder::notify
