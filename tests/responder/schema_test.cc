#include <doctest/doctest.h>

#include "responder/module.h"
#include "responder/schema_catalog.h"

using namespace responder;

TEST_CASE("every embedded schema parses and every module has one") {
  const auto& catalog = SchemaCatalog::instance();
  for (auto& defect : catalog.defects()) FAIL_CHECK(defect);
  CHECK(catalog.defects().empty());
  for (auto& name : ModuleRegistry::instance().names()) {
    INFO("module " << name);
    CHECK(catalog.module(name) != nullptr);
  }
  for (auto& name : catalog.module_names()) {
    INFO("schema " << name);
    CHECK(ModuleRegistry::instance().find(name) != nullptr);
  }
}

TEST_CASE("schema check names the parameter and the problem") {
  auto schema = ModuleSchema::parse("t.schema.yaml", R"(
module: t.test
params:
  addresses: {type: list, items: cidr, min: 1}
  port: {type: port}
  direction: {type: string, enum: [in, out, both], default: both}
one_of: [[addresses, port]]
)");
  REQUIRE(schema.ok());
  json::object with;
  with["addresses"] = json::array{"192.0.2.1", "198.51.100.0/33"};
  with["port"] = 70000;
  with["colour"] = "red";
  auto issues = schema->check(with, nullptr);
  REQUIRE(issues.size() == 3);
  CHECK(issues[0].path == "addresses[1]");
  CHECK(issues[0].message.find("bad prefix length") != std::string::npos);
  CHECK(issues[1].path == "port");
  CHECK(issues[2].message.find("unknown parameter 'colour'") != std::string::npos);

  auto resolved = schema->resolve(json::object{{"port", 22}});
  REQUIRE(resolved.ok());
  CHECK(resolved->at("direction") == "both");
  CHECK_FALSE(schema->resolve(json::object{}).ok());  // one_of
}
