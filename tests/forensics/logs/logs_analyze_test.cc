// logs.analyze on sshd, kernel firewall and journal logs.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "forensics/logs/logs_analyze.h"
#include "responder/module.h"

using namespace responder;
using namespace responder::logs;

namespace {
std::filesystem::path write_file(const std::string& name, const std::string& text) {
  auto path = std::filesystem::temp_directory_path() / ("responder-logs-" + std::to_string(getpid()) + "-" + name);
  std::ofstream(path) << text;
  return path;
}
}  // namespace

TEST_CASE("logs.analyze: sshd failures, firewall probes and journal exports, with counts and times") {
  std::string auth;
  for (int i = 0; i < 7; ++i)
    auth += "Nov 23 18:0" + std::to_string(i) + ":01 host sshd[812]: Failed password for invalid user admin" +
            std::to_string(i) + " from 198.51.100.23 port " + std::to_string(40000 + i) + " ssh2\n";
  auth += "Nov 23 18:10:00 host sshd[900]: Accepted publickey for alice from 192.0.2.5 port 5555 ssh2\n";
  auth += "Nov 23 18:11:00 host sshd[901]: Failed password for root from 2001:db8::66 port 5555 ssh2\n";
  auth += "Nov 23 18:12:00 host sshd[902]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.23  user=root\n";
  std::string firewall;
  for (int p = 20; p < 30; ++p)
    firewall += "2026-11-23T18:20:0" + std::to_string(p % 10) + "+00:00 host kernel: [drop] IN=eth0 OUT= MAC=00 SRC=203.0.113.9 DST=192.0.2.1 LEN=44 PROTO=TCP SPT=51000 DPT=" +
                std::to_string(p) + " WINDOW=1024 SYN\n";
  std::string journal =
      "__CURSOR=s=1\n__REALTIME_TIMESTAMP=1795456800000000\nSYSLOG_IDENTIFIER=sshd\nMESSAGE=Invalid user oracle from 198.51.100.77 port 2222\n\n"
      "__CURSOR=s=2\n__REALTIME_TIMESTAMP=1795456801000000\nSYSLOG_IDENTIFIER=sshd\nMESSAGE=Failed password for invalid user oracle from 198.51.100.77 port 2222 ssh2\n\n";
  std::string journal_json =
      R"({"__REALTIME_TIMESTAMP":"1795456802000000","MESSAGE":"Failed password for bob from 198.51.100.77 port 2223 ssh2"})" "\n";
  auto a = write_file("auth.log", auth), f = write_file("kern.log", firewall), j = write_file("journal.export", journal),
       k = write_file("journal.json", journal_json);

  const Module* module = ModuleRegistry::instance().find("logs.analyze");
  REQUIRE(module != nullptr);
  CHECK_FALSE(module->undoable());
  json::object params{{"files", json::array{a.string(), f.string(), j.string(), k.string()}}, {"threshold", 3}};
  StepContext context;
  auto receipt = module->apply(params, context);
  REQUIRE_MESSAGE(receipt.ok(), (receipt.ok() ? "" : receipt.error().message));
  auto& out = receipt->output;
  INFO(to_json_text(out));
  auto& sources = out.at("sources").as_array();
  REQUIRE(sources.size() == 3);
  CHECK(sources[0] == "203.0.113.9");      // 10 probes
  CHECK(sources[1] == "198.51.100.23");    // 7 failures + 1 PAM failure
  CHECK(sources[2] == "198.51.100.77");    // 3 journal events
  for (auto& d : out.at("by_source").as_array()) {
    auto& o = d.as_object();
    if (o.at("address") == "198.51.100.23") {
      CHECK(o.at("failed_logins").to_number<int>() == 8);
      CHECK(o.at("first") == "Nov 23 18:00:01");
      CHECK(o.at("last") == "Nov 23 18:12:00");
      CHECK(o.at("users").as_array().size() == 8);
    }
    if (o.at("address") == "203.0.113.9") {
      CHECK(o.at("blocked_probes").to_number<int>() == 10);
      CHECK(o.at("ports").as_array().size() == 10);
    }
    if (o.at("address") == "198.51.100.77") CHECK(o.at("first").as_string().starts_with("2026-"));
    CHECK(o.at("address") != "192.0.2.5");  // a successful login is not an event
  }
  // The single IPv6 failure is below the threshold but still counted.
  CHECK(out.at("by_source").as_array().size() == 4);

  CHECK_FALSE(module->apply(json::object{{"files", json::array{"/nonexistent/auth.log"}}, {"threshold", 5}}, context).ok());
  for (auto& p : {a, f, j, k}) std::filesystem::remove(p);
}
