#include "notify/channels/mail_address.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using responder::notify::check_mail_address;

TEST_CASE("mail addresses in the plain local@domain form are accepted") {
  for (const std::string& good : std::vector<std::string>{"alice@example.org", "a.b-c+tag@mail.example.org", "oncall@localhost",
                           "x!#$%&'*+/=?^_`{|}~-@a-1.example", std::string(64, 'a') + "@example.org"}) {
    INFO(good);
    CHECK(check_mail_address(good));
  }
}

TEST_CASE("mail addresses that could end a command or add a header are bad input") {
  for (const std::string& bad : std::vector<std::string>{"", "alice", "@example.org", "alice@", "alice@@example.org", "a@b@example.org",
                          "alice@example.org\r\nRCPT TO:<m@x.net>", "alice@example.org\n", "alice@exa\rmple.org",
                          "alice example@x.org", "<alice@example.org>", "alice@example.org>", "\"a b\"@example.org",
                          ".alice@example.org", "alice.@example.org", "al..ice@example.org", "alice@example..org",
                          "alice@-example.org", "alice@example-.org", "alice@[127.0.0.1]", "al\xC3\xAF" "ce@example.org",
                          std::string("al\0ce@example.org", 17), std::string(65, 'a') + "@example.org",
                          "a@" + std::string(64, 'b') + ".org", "a@" + std::string(250, 'b')}) {
    INFO(bad);
    auto ok = check_mail_address(bad);
    CHECK(!ok);
    if (!ok) CHECK(ok.error().kind == responder::ErrorKind::bad_input);
  }
}
