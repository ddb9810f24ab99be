#include "notify/channels/mail_text.h"

#include <doctest/doctest.h>

#include <sstream>

#include "notify/channels/message_footer.h"
#include "responder/json.h"
#include "tests/support/process.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::notify;

namespace {

Message sample() {
  Message m;
  m.key = "INC-9/notify/bob";
  m.incident_id = "INC-9";
  m.subject = "Störung";
  m.body = "Zeile eins\n=equals and trailing space \n.dot\n" + std::string(1200, 'x') + "\n";
  m.journal_witness = "3:abcd";
  return m;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find("\r\n", start);
    REQUIRE(end != std::string::npos);  // every line ends in CRLF
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// Subject and body as Python's email package decodes them.
json::object decoded(const std::string& mail) {
  testing::TempDir dir;
  auto file = dir.write("mail.eml", mail);
  auto r = testing::run_process(
      {"/usr/bin/python3", "-c",
       "import email, email.policy, json, sys\n"
       "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
       "print(json.dumps({'subject': str(m['Subject']), 'body': m.get_content(), 'defects': len(m.defects)}))\n",
       file.string()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  return parse_json(r.out).as_object();
}

}  // namespace

TEST_CASE("mail text is quoted-printable without 8BITMIME, 8bit with it, 7bit for ASCII, and lines end in CRLF") {
  auto now = std::chrono::system_clock::from_time_t(0);
  MailText qp = mail_text(sample(), "r@example.org", "b@example.org", now, false);
  CHECK(!qp.eight_bit);
  CHECK(qp.text.find("\r\nContent-Transfer-Encoding: quoted-printable\r\n") != std::string::npos);
  for (auto& line : lines_of(qp.text)) {
    CHECK(line.size() <= 76);
    for (char c : line) CHECK((c >= 0x20 && c < 0x7f));
  }
  MailText eight = mail_text(sample(), "r@example.org", "b@example.org", now, true);
  CHECK(!eight.eight_bit);  // a 1200-octet line cannot go as 8bit
  Message short_lines = sample();
  short_lines.body = "Zeile eins\n";
  eight = mail_text(short_lines, "r@example.org", "b@example.org", now, true);
  CHECK(eight.eight_bit);
  CHECK(eight.text.find("\r\nContent-Transfer-Encoding: 8bit\r\n") != std::string::npos);
  Message ascii = short_lines;
  ascii.subject = "plain";
  ascii.body = "plain\n";
  MailText seven = mail_text(ascii, "r@example.org", "b@example.org", now, true);
  CHECK(!seven.eight_bit);
  CHECK(seven.text.find("\r\nContent-Transfer-Encoding: 7bit\r\n") != std::string::npos);
  CHECK(seven.text.find("\r\nDate: Thu, 01 Jan 1970 00:00:00 +0000\r\n") != std::string::npos);
}

TEST_CASE("mail text decodes back to the message with a real mail parser") {
  RESPONDER_SKIP_WHEN(::access("/usr/bin/python3", X_OK) == 0 ? "" : "/usr/bin/python3 is missing");
  Message m = sample();
  for (bool takes_8bit : {false, true}) {
    auto mail = decoded(mail_text(m, "r@example.org", "b@example.org", std::chrono::system_clock::now(), takes_8bit).text);
    CHECK(std::string(mail.at("subject").as_string()) == m.subject);
    CHECK(std::string(mail.at("body").as_string()) == message_as_text(m));
    CHECK(mail.at("defects").as_int64() == 0);
  }
}

TEST_CASE("header values from a message cannot start a header of their own") {
  Message m = sample();
  m.subject = "hello\r\nBcc: mallory@example.net";
  m.recipient = "Bob\r\nBcc: mallory@example.net";
  m.incident_id = "INC-9\nX-Evil: 1";
  m.key = "k\r\nX-Evil: 2";
  m.journal_witness = "3:abcd\rX-Evil: 3";
  auto text = mail_text(m, "r@example.org", "b@example.org", std::chrono::system_clock::now(), true).text;
  auto headers = text.substr(0, text.find("\r\n\r\n") + 2);
  for (auto& line : lines_of(headers)) {
    INFO(line);
    CHECK(line.rfind("Bcc:", 0) == std::string::npos);
    CHECK(line.rfind("X-Evil:", 0) == std::string::npos);
  }
}

TEST_CASE("long or non-ASCII header text becomes folded encoded-words of at most 75 characters") {
  std::string encoded = header_text(std::string(300, 'a') + " ünïcödé " + std::string(300, 'b'));
  std::istringstream in(encoded);
  for (std::string word; std::getline(in, word);) {
    if (!word.empty() && word.back() == '\r') word.pop_back();
    if (!word.empty() && word.front() == ' ') word.erase(0, 1);
    CHECK(word.rfind("=?UTF-8?B?", 0) == 0);
    CHECK(word.size() <= 75);
  }
  CHECK(header_text("INC-7 ok") == "INC-7 ok");
  CHECK(header_text("looks =?like?= a word").rfind("=?UTF-8?B?", 0) == 0);
}

TEST_CASE("message ids keep distinct keys distinct and hold only characters a Message-ID may") {
  CHECK(message_id("INC-7/notify/alice") == "<INC-7/notify/alice@responder>");
  CHECK(message_id("a b=c.d") == "<a=20b=3Dc=2Ed@responder>");
  CHECK(message_id("a=20b") != message_id("a b"));
  CHECK(message_id("<x>\r\n") == "<=3Cx=3E=0D=0A@responder>");
}
