#include "notify/channels/mail_text.h"

#include <openssl/evp.h>

#include <ctime>
#include <vector>

#include "notify/channels/message_footer.h"

namespace responder::notify {
namespace {

constexpr std::size_t kMaxLine = 998;  // RFC 5322 2.1.1, without CRLF

bool printable_ascii(char c) { return c >= 0x20 && c < 0x7f; }

std::string hex_byte(unsigned char c) {
  static const char digits[] = "0123456789ABCDEF";
  return {'=', digits[c >> 4], digits[c & 15]};
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Control characters (CR and LF among them) as spaces: a header value stays
// on its one header.
std::string without_controls(std::string_view value) {
  std::string out(value);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

// RFC 2047 B encoded-words of at most 45 octets of text each (75 characters
// encoded), never splitting a UTF-8 sequence, folded onto continuation lines.
std::string encoded_words(std::string_view text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.size(), start + 45);
    std::size_t cut = end;
    while (cut < text.size() && cut > start && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    if (cut > start) end = cut;  // else not UTF-8 at all: cut anywhere
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(text.substr(start, end - start)) + "?=";
    start = end;
  }
  return out;
}

// A display name: kept when letters, digits and spaces only, else encoded.
std::string display_name(std::string_view name) {
  std::string clean = without_controls(name);
  bool plain = clean.size() <= 200;
  for (char c : clean)
    plain = plain && (c == ' ' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
  return plain ? clean : encoded_words(clean);
}

// `text` split into lines at LF, CRLF or a lone CR; no final empty line.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + ((text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ? 2 : 1);
  }
  return lines;
}

// One line quoted-printable (RFC 2045 6.7), soft-broken before 76 characters.
std::string quoted_printable(std::string_view line) {
  std::string out;
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    bool last = i + 1 == line.size();
    std::string piece = ((c == ' ' || c == '\t') && !last) || (c > 0x20 && c < 0x7f && c != '=')
                            ? std::string(1, c)
                            : hex_byte(static_cast<unsigned char>(c));
    if (column + piece.size() > 75) {
      out += "=\r\n";
      column = 0;
    }
    out += piece;
    column += piece.size();
  }
  return out;
}

}  // namespace

std::string header_text(std::string_view value) {
  std::string clean = without_controls(value);
  bool plain = clean.size() <= 900 && clean.find("=?") == std::string::npos;
  for (char c : clean) plain = plain && printable_ascii(c);
  return plain ? clean : encoded_words(clean);
}

std::string mail_date(std::chrono::system_clock::time_point when) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
                months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return text;
}

std::string message_id(std::string_view key) {
  std::string id = "<";
  for (char c : key) {
    bool atext = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 std::string_view("!#$%&'*+-/?^_`{|}~").find(c) != std::string_view::npos;
    id += atext ? std::string(1, c) : hex_byte(static_cast<unsigned char>(c));
  }
  return id + "@responder>";
}

MailText mail_text(const Message& message, const std::string& from, const std::string& to,
                   std::chrono::system_clock::time_point now, bool server_takes_8bit) {
  const std::string body = message_as_text(message);
  auto lines = lines_of(body);  // views into `body`
  bool ascii = true, short_lines = true, nul = false;
  for (auto line : lines) {
    short_lines = short_lines && line.size() <= kMaxLine;
    for (char c : line) {
      ascii = ascii && (printable_ascii(c) || c == '\t');
      nul = nul || c == '\0';
    }
  }
  const char* encoding = "7bit";
  bool eight_bit = false;
  if (!(ascii && short_lines)) {
    eight_bit = server_takes_8bit && short_lines && !nul;
    encoding = eight_bit ? "8bit" : "quoted-printable";
  }

  std::string mail;
  auto header = [&](std::string_view name, const std::string& value) {
    mail.append(name).append(": ").append(value).append("\r\n");
  };
  header("From", from);
  std::string name = display_name(message.recipient);
  header("To", name.empty() ? to : name + " <" + to + ">");
  header("Subject", header_text(message.subject));
  header("Date", mail_date(now));
  if (!message.key.empty()) header("Message-ID", message_id(message.key));
  header("X-Responder-Journal", header_text(message.journal_witness));
  header("X-Responder-Incident", header_text(message.incident_id));
  header("X-Responder-Key", header_text(message.key));
  header("MIME-Version", "1.0");
  header("Content-Type", "text/plain; charset=utf-8");
  header("Content-Transfer-Encoding", encoding);
  mail += "\r\n";
  bool quoted = std::string_view(encoding) == "quoted-printable";
  for (auto line : lines) {
    if (quoted)
      mail += quoted_printable(line);
    else
      mail.append(line);
    mail += "\r\n";
  }
  return {std::move(mail), eight_bit};
}

}  // namespace responder::notify
