// `responder baseline record` and `responder baseline compare` as a
// responder runs them: the signing key from the configuration, the file's
// SHA-256 printed, and the exit codes (0 done, 2 malformed, 3 refused).
#include <doctest/doctest.h>

#include "baseline_lab.h"
#include "forensics/baseline/signed_baseline_file.h"
#include "responder/json.h"
#include "responder/sha256.h"

using namespace responder;
using namespace responder::baseline::testing;
using responder::testing::run_process;
using responder::testing::slurp;

namespace {

struct CommandLab {
  TempDir dir, tree;
  TestKey key = make_key(dir.path());
  std::filesystem::path config = dir / "responder.yaml";
  std::filesystem::path out = dir / "host.jsonl.gz";
  CommandLab() {
    build_reference_tree(tree.path());
    dir.write("responder.yaml", "keys: {evidence_signing: " + key.private_pem.string() + "}\n");
  }
  responder::testing::ProcessResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {RESPONDER_BINARY, "--config", config.string()});
    return run_process(args);
  }
  responder::testing::ProcessResult record() const {
    return run({"baseline", "record", "--out", out.string(), "--root", tree.path().string(), "--paths", "/etc", "/usr/bin", "/root/.ssh"});
  }
  responder::testing::ProcessResult compare(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"--json", "baseline", "compare", out.string(), "--root", tree.path().string(), "--no-packages", "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
};

}  // namespace

TEST_CASE("responder baseline record: signs with the configured key and prints the file's SHA-256, and compare then says clean") {
  CommandLab lab;
  auto r = lab.record();
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("sha256 " + sha256_hex(slurp(lab.out))) != std::string::npos);
  CHECK(std::filesystem::exists(baseline::signature_path(lab.out)));
  CHECK(r.err.find("hashing: ") != std::string::npos);  // progress, in its compact form off a terminal
  auto c = lab.compare();
  INFO(c.out << c.err);
  REQUIRE(c.exit_code == 0);
  auto out = parse_json(c.out).as_object();
  CHECK(out.at("verdict") == "clean");
  // Through the configured key's public half, or the public key given on the command line.
  CHECK(lab.compare({"--public-key", lab.key.public_pem.string()}).exit_code == 0);
}

TEST_CASE("responder baseline compare: a tampered baseline is refused with exit 3, a malformed one is exit 2") {
  CommandLab lab;
  REQUIRE(lab.record().exit_code == 0);
  SUBCASE("tampered") {
    auto bytes = slurp(lab.out);
    bytes[bytes.size() - 20] ^= 0x40;
    std::ofstream(lab.out, std::ios::binary | std::ios::trunc) << bytes;
    auto c = lab.compare();
    CHECK(c.exit_code == 3);
    CHECK(c.err.find("refusing the baseline") != std::string::npos);
  }
  SUBCASE("signed by another key") {
    auto other = make_key(lab.dir.path(), "other");
    auto c = lab.compare({"--public-key", other.public_pem.string()});
    CHECK(c.exit_code == 3);
  }
  SUBCASE("no such baseline") {
    std::filesystem::remove(lab.out);
    CHECK(lab.compare().exit_code == 2);
  }
  SUBCASE("signature missing") {
    std::filesystem::remove(baseline::signature_path(lab.out));
    CHECK(lab.compare().exit_code == 3);
  }
  SUBCASE("malformed but signed") {
    auto signing = evidence::Ed25519Key::load(lab.key.private_pem);
    REQUIRE(signing.ok());
    baseline::BaselineWriter writer;
    REQUIRE(writer.write_line("{\"format\":\"responder-baseline\",\"version\":1,\"records\":1}").ok());
    REQUIRE(writer.write_line("{\"kind\":\"file\",\"path\":").ok());
    REQUIRE(writer.finish(lab.out, *signing).ok());
    auto c = lab.compare();
    CHECK(c.exit_code == 2);
    CHECK(c.err.find("baseline line 2") != std::string::npos);
  }
}

TEST_CASE("responder baseline record: without a configured key it says what to set, exit 2") {
  CommandLab lab;
  lab.dir.write("responder.yaml", "{}\n");
  auto r = lab.record();
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("keys.evidence_signing") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(lab.out));
}
