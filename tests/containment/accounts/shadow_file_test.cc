// ShadowFile edits one field and writes every other byte back as it was.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include "containment/accounts/shadow_file.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::accounts;
using namespace responder::testing;

TEST_CASE("shadow file edits keep comments, odd lines and a missing final newline byte for byte") {
  TempDir dir;
  const std::string original =
      "root:*:20228:0:99999:7:::\n"
      "# a comment: with colons\n"
      "\n"
      "+nisuser::::::::\n"
      "eve:$y$j9T$abc$def:20228:0:99999:7:::\n"
      "short:x";
  auto path = dir.write("shadow", original);
  ::chmod(path.c_str(), 0640);

  auto shadow = ShadowFile::read(path);
  REQUIRE_MESSAGE(shadow, shadow.error().message);
  CHECK(shadow->text() == original);
  CHECK(*shadow->field("eve", ShadowField::password) == "$y$j9T$abc$def");
  CHECK(shadow->field("eve", ShadowField::expire)->empty());
  auto unknown = shadow->field("nobody", ShadowField::password);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message.find("nobody") != std::string::npos);
  CHECK_FALSE(shadow->field("short", ShadowField::expire));  // too few fields: an error, not a guess

  REQUIRE(shadow->set_field("eve", ShadowField::password, "!$y$j9T$abc$def"));
  REQUIRE(shadow->set_field("eve", ShadowField::expire, "1"));
  REQUIRE(shadow->write());
  std::string changed = slurp(path);
  CHECK(changed.find("eve:!$y$j9T$abc$def:20228:0:99999:7::1:\n") != std::string::npos);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);

  auto again = ShadowFile::read(path);
  REQUIRE(again);
  REQUIRE(again->set_field("eve", ShadowField::password, "$y$j9T$abc$def"));
  REQUIRE(again->set_field("eve", ShadowField::expire, ""));
  REQUIRE(again->write());
  CHECK(slurp(path) == original);
}
