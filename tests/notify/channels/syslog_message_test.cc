#include "notify/channels/syslog_message.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace responder::notify;
using namespace std::chrono;

namespace {

SyslogOrigin origin(int facility = 16) {
  return {facility, "ir-host.example", "responder", "4242",
          sys_days{year{2024} / 3 / 5} + hours(1) + minutes(2) + seconds(3) + microseconds(4567)};
}

Message message() {
  Message m;
  m.key = "INC-7/notify/alice";
  m.incident_id = "INC-7";
  m.severity = "critical";
  m.subject = "Firewall blocked 192.0.2.7";
  m.body = "Traffic from 192.0.2.7 is blocked.";
  m.journal_witness = "12:abcdef";
  m.ack_token = "K3Y";
  return m;
}

// An RFC 5424 message taken apart the way a receiver does: six header
// fields split at spaces, then SD-ELEMENTs honouring the escapes of §6.3.3.
struct Parsed {
  std::vector<std::string> header;  // PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME, PROCID, MSGID
  std::vector<std::pair<std::string, std::string>> params;  // of the first SD-ELEMENT, unescaped
  std::string sd_id;
  int elements = 0;
  std::string msg;
  bool well_formed = false;
};

Parsed parse(const std::string& line) {
  Parsed p;
  std::size_t at = 0;
  for (int i = 0; i < 6; ++i) {
    std::size_t space = line.find(' ', at);
    if (space == std::string::npos) return p;
    p.header.push_back(line.substr(at, space - at));
    at = space + 1;
  }
  while (at < line.size() && line[at] == '[') {
    ++p.elements;
    ++at;
    std::size_t end = line.find_first_of(" ]", at);
    if (end == std::string::npos) return p;
    if (p.elements == 1) p.sd_id = line.substr(at, end - at);
    at = end;
    while (at < line.size() && line[at] == ' ') {
      std::size_t eq = line.find('=', at + 1);
      if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return p;
      std::string name = line.substr(at + 1, eq - at - 1), value;
      at = eq + 2;
      while (at < line.size() && line[at] != '"') {
        if (line[at] == '\\' && at + 1 < line.size()) ++at;
        value += line[at++];
      }
      if (at >= line.size()) return p;
      ++at;  // closing quote
      if (p.elements == 1) p.params.emplace_back(name, value);
    }
    if (at >= line.size() || line[at] != ']') return p;
    ++at;
  }
  if (at >= line.size() || line[at] != ' ') return p;
  p.msg = line.substr(at + 1);
  p.well_formed = true;
  return p;
}

std::string param(const Parsed& p, const std::string& name) {
  for (auto& [n, v] : p.params)
    if (n == name) return v;
  return "(absent)";
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

}  // namespace

TEST_CASE("syslog message - the whole line for an ordinary message, field by field") {
  std::string line = syslog_message(origin(), message());
  CHECK(line ==
        "<130>1 2024-03-05T01:02:03.004567Z ir-host.example responder 4242 incident "
        "[responder@32473 incident=\"INC-7\" key=\"INC-7/notify/alice\" severity=\"critical\" journal=\"12:abcdef\" "
        "ack=\"K3Y\"] \xEF\xBB\xBF"
        "Firewall blocked 192.0.2.7\n\nTraffic from 192.0.2.7 is blocked.\n\n--\nIncident INC-7 (critical); journal "
        "witness 12:abcdef\nAcknowledge: run `responder ack INC-7 K3Y` (or ask the incident team to run it for you)\n");
}

TEST_CASE("syslog message - PRI is facility times eight plus the severity") {
  auto pri = [](int facility, const char* severity) {
    Message m = message();
    m.severity = severity;
    return parse(syslog_message(origin(facility), m)).header.at(0);
  };
  CHECK(pri(16, "critical") == "<130>1");  // local0.crit
  CHECK(pri(4, "important") == "<35>1");   // auth.err
  CHECK(pri(0, "important") == "<3>1");    // kern.err
  CHECK(pri(23, "moderate") == "<188>1");  // local7.warning
  CHECK(pri(1, "low") == "<13>1");         // user.notice
  CHECK(pri(99, "low") == "<133>1");       // out of range: local0
  CHECK(syslog_severity("critical") == 2);
  CHECK(syslog_severity("important") == 3);
  CHECK(syslog_severity("moderate") == 4);
  CHECK(syslog_severity("low") == 5);
  CHECK(syslog_severity("") == 5);
}

TEST_CASE("syslog message - facility names as syslog.conf spells them") {
  CHECK(syslog_facility("kern") == 0);
  CHECK(syslog_facility("auth") == 4);
  CHECK(syslog_facility("authpriv") == 10);
  CHECK(syslog_facility("clock") == 15);
  CHECK(syslog_facility("local0") == 16);
  CHECK(syslog_facility("local7") == 23);
  CHECK_FALSE(syslog_facility("local8"));
  CHECK_FALSE(syslog_facility("LOCAL0"));
  CHECK_FALSE(syslog_facility("local"));
  CHECK_FALSE(syslog_facility(""));
}

TEST_CASE("syslog message - quote, backslash and closing bracket are escaped in parameter values") {
  CHECK(syslog_param_value(R"(a"b\c]d)") == R"(a\"b\\c\]d)");
  CHECK(syslog_param_value("plain [text] = ok") == "plain [text\\] = ok");
  CHECK(syslog_param_value("line\nbreak") == "line\xEF\xBF\xBD" "break");
  CHECK(syslog_param_value("bad \xC3 utf8") == "bad \xEF\xBF\xBD utf8");
  CHECK(syslog_param_value("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(syslog_param_value("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
}

TEST_CASE("syslog message - a hostile subject, key and body cannot forge header fields or structured data") {
  Message m = message();
  m.subject = "x\"] [evil@1 admin=\"yes\"] \\\n<0>1 2024-01-01T00:00:00Z forged app - - - you are owned";
  m.key = "k\"] [evil@1 a=\"b";
  m.incident_id = "INC-7 \\\"]";
  m.journal_witness = "12:ab]\"";
  m.ack_token = "\\";
  m.body = "line one\r\n<13>1 - forged - - - -\x1b[2Jescape\ttab";
  std::string line = syslog_message(origin(), m);
  Parsed p = parse(line);
  REQUIRE(p.well_formed);
  CHECK(p.header == std::vector<std::string>{"<130>1", "2024-03-05T01:02:03.004567Z", "ir-host.example", "responder",
                                             "4242", "incident"});
  CHECK(p.elements == 1);
  CHECK(p.sd_id == "responder@32473");
  CHECK(param(p, "key") == m.key);
  CHECK(param(p, "incident") == m.incident_id);
  CHECK(param(p, "journal") == m.journal_witness);
  CHECK(param(p, "ack") == "\\");
  REQUIRE(p.msg.rfind("\xEF\xBB\xBF", 0) == 0);
  // The text keeps its newlines and tab; other control characters become U+FFFD.
  CHECK(p.msg.find(m.subject) != std::string::npos);
  CHECK(p.msg.find("line one\xEF\xBF\xBD\n<13>1 - forged") != std::string::npos);
  CHECK(p.msg.find("\xEF\xBF\xBD[2Jescape\ttab") != std::string::npos);
  CHECK(line.find('\x1b') == std::string::npos);
  CHECK(line.find('\r') == std::string::npos);
  CHECK(valid_utf8(line));
}

TEST_CASE("syslog message - header fields that are not printable ASCII become the NILVALUE") {
  SyslogOrigin o = origin();
  o.hostname = "host name";
  o.app_name = std::string(49, 'a');
  o.procid = "";
  CHECK(parse(syslog_message(o, message())).header ==
        std::vector<std::string>{"<130>1", "2024-03-05T01:02:03.004567Z", "-", "-", "-", "incident"});
  o.hostname = "h\xC3\xB4st";
  CHECK(parse(syslog_message(o, message())).header.at(2) == "-");
  o.hostname = std::string(256, 'h');
  CHECK(parse(syslog_message(o, message())).header.at(2) == "-");
  o.hostname = std::string(255, 'h');
  CHECK(parse(syslog_message(o, message())).header.at(2) == o.hostname);
  CHECK(valid_syslog_header_field("responder", 48));
  CHECK_FALSE(valid_syslog_header_field("", 48));
  CHECK_FALSE(valid_syslog_header_field("a\tb", 48));
  CHECK_FALSE(valid_syslog_header_field("a\x7f", 48));
}

TEST_CASE("syslog message - empty journal witness and ack token are left out, the incident never") {
  Message m = message();
  m.journal_witness.clear();
  m.ack_token.clear();
  m.incident_id.clear();
  Parsed p = parse(syslog_message(origin(), m));
  REQUIRE(p.well_formed);
  CHECK(param(p, "incident") == "");
  CHECK(param(p, "journal") == "(absent)");
  CHECK(param(p, "ack") == "(absent)");
}

TEST_CASE("syslog message - a size limit cuts only the text, at a character boundary") {
  Message m = message();
  m.body.clear();
  for (int i = 0; i < 3000; ++i) m.body += "\xC3\xA9";  // é, two octets
  std::string whole = syslog_message(origin(), m);
  CHECK(whole.size() > 6000);
  for (std::size_t limit : {2048u, 2047u, 1000u}) {
    std::string cut = syslog_message(origin(), m, limit);
    CHECK(cut.size() <= limit);
    CHECK(cut.size() >= limit - 1);
    CHECK(valid_utf8(cut));
    CHECK(whole.rfind(cut, 0) == 0);
    Parsed p = parse(cut);
    REQUIRE(p.well_formed);
    CHECK(param(p, "key") == m.key);
    CHECK(param(p, "journal") == m.journal_witness);
  }
  // A limit smaller than the header and structured data leaves them whole.
  std::string tiny = syslog_message(origin(), m, 10);
  Parsed p = parse(tiny);
  REQUIRE(p.well_formed);
  CHECK(p.msg == "\xEF\xBB\xBF");
  CHECK(syslog_message(origin(), message(), 100000) == syslog_message(origin(), message()));
}
