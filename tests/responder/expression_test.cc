#include <doctest/doctest.h>

#include "responder/address.h"
#include "responder/duration.h"
#include "responder/expression.h"
#include "responder/template.h"
#include "responder/value_type.h"

using namespace responder;

namespace {
Result<bool> eval(const std::string& text, const json::object& scope) {
  auto parsed = Expression::parse(text);
  if (auto* e = std::get_if<ExpressionError>(&parsed)) return bad_input(e->message);
  return std::get<Expression>(parsed).evaluate([&](const std::vector<std::string>& p) { return lookup_path(scope, p); });
}
}  // namespace

TEST_CASE("when expressions") {
  json::object scope{{"finding", json::object{{"kind", "targeted"}, {"sources", json::array{"192.0.2.7"}}, {"count", 12}}},
                     {"quick", true}};
  CHECK(*eval("finding.kind == 'targeted'", scope));
  CHECK_FALSE(*eval("finding.kind != \"targeted\"", scope));
  CHECK(*eval("finding.count > 10 and finding.count <= 12", scope));
  CHECK(*eval("'192.0.2.7' in finding.sources", scope));
  CHECK(*eval("'192.0.2.8' not in finding.sources", scope));
  CHECK(*eval("not (finding.kind == 'distributed') or false", scope));
  CHECK(*eval("finding.kind in ['targeted', 'distributed']", scope));
  CHECK(*eval("quick", scope));
  CHECK(*eval("finding.sources", scope));  // non-empty list is true
  CHECK(*eval("finding.sources.0 == '192.0.2.7'", scope));
  auto unknown = eval("finding.nothing == 1", scope);
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("finding.nothing") != std::string::npos);
  CHECK_FALSE(eval("finding.kind < 3", scope).ok());  // text against number
}

TEST_CASE("when parse errors carry the offset") {
  auto check = [](const std::string& text, std::size_t offset, const char* fragment) {
    auto parsed = Expression::parse(text);
    REQUIRE(std::holds_alternative<ExpressionError>(parsed));
    auto& e = std::get<ExpressionError>(parsed);
    CHECK(e.offset == offset);
    CHECK(e.message.find(fragment) != std::string::npos);
  };
  check("a ==", 4, "ends too early");
  check("a == 'open", 5, "never closed");
  check("(a == b", 7, "expected ')'");
  check("a b", 2, "unexpected 'b'");
  check("a and or b", 6, "expected a value before 'or'");
}

TEST_CASE("templates substitute typed values and splice lists") {
  json::object scope{{"attacker", "192.0.2.0/24"},
                     {"finding", json::object{{"sources", json::array{"198.51.100.1", "198.51.100.2"}}}},
                     {"count", 3}};
  auto whole = substitute(json::value("{{ count }}"), scope);
  REQUIRE(whole.ok());
  CHECK(whole->is_int64());
  auto list = substitute(json::array{"{{ attacker }}", "{{ finding.sources }}", "203.0.113.9"}, scope);
  REQUIRE(list.ok());
  CHECK(*list == json::array{"192.0.2.0/24", "198.51.100.1", "198.51.100.2", "203.0.113.9"});
  auto text = substitute(json::value("block {{attacker}} now ({{ count }})"), scope);
  REQUIRE(text.ok());
  CHECK(*text == "block 192.0.2.0/24 now (3)");
  CHECK_FALSE(substitute(json::value("{{ nobody }}"), scope).ok());
}

TEST_CASE("addresses are parsed, never passed on as text") {
  auto v4 = parse_cidr("192.0.2.0/24");
  REQUIRE(v4.ok());
  CHECK(v4->contains(*parse_ip("192.0.2.200")));
  CHECK_FALSE(v4->contains(*parse_ip("192.0.3.1")));
  CHECK(parse_cidr("2001:db8::/32")->overlaps(*parse_cidr("2001:db8:1::1")));
  CHECK_FALSE(parse_cidr("192.0.2.0/33").ok());
  CHECK_FALSE(parse_cidr("192.0.2.5/24").ok());  // host bits set
  CHECK(parse_cidr("192.0.2.5/24").error().message.find("did you mean 192.0.2.0/24") != std::string::npos);
  CHECK_FALSE(parse_cidr("192.0.2.1; rm -rf /").ok());
  CHECK(parse_cidr("198.51.100.7")->is_host());
}

TEST_CASE("durations") {
  CHECK(*parse_duration("1h30m") == std::chrono::minutes(90));
  CHECK(*parse_duration("250ms") == std::chrono::milliseconds(250));
  CHECK(*parse_duration("45") == std::chrono::seconds(45));
  CHECK_FALSE(parse_duration("5 minutes").ok());
  CHECK_FALSE(parse_duration("-5s").ok());
  CHECK(format_duration(std::chrono::milliseconds(90500)) == "1m30s500ms");
}

TEST_CASE("--var text becomes typed values") {
  CHECK(*value_from_text("22", ValueType{TypeKind::port}) == 22);
  CHECK_FALSE(value_from_text("70000", ValueType{TypeKind::port}).ok());
  CHECK(*value_from_text("[22, 443]", ValueType{TypeKind::list, TypeKind::port}) == json::array{22, 443});
  CHECK(*value_from_text("192.0.2.1,198.51.100.0/24", ValueType{TypeKind::list, TypeKind::cidr}) ==
        json::array{"192.0.2.1", "198.51.100.0/24"});
  CHECK_FALSE(value_from_text("not-an-ip", ValueType{TypeKind::ipv4}).ok());
  CHECK(*value_from_text("yes", ValueType{TypeKind::boolean}) == true);
}

TEST_CASE("address ranges") {
  ValueType range{TypeKind::ip_range};
  CHECK(check_value(json::value("192.0.2.10-192.0.2.20"), range).ok());
  CHECK(check_value(json::value("2001:db8::/48"), range).ok());
  CHECK(check_value(json::value("198.51.100.7"), range).ok());
  CHECK_FALSE(check_value(json::value("192.0.2.20-192.0.2.10"), range).ok());
  CHECK_FALSE(check_value(json::value("192.0.2.1-2001:db8::1"), range).ok());
  CHECK_FALSE(check_value(json::value("192.0.2.1-"), range).ok());
  CHECK(type_fits(ValueType{TypeKind::cidr}, range));
}
