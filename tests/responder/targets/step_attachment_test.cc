// A step request's attachment (an artifact to install), sent by the
// controller's own StepChannel to the real far side (`responder step`): it
// arrives whole and checked before the step may act, is refused with nothing
// run when it was changed or cut short, and leaves nothing behind.
#include <doctest/doctest.h>

#include <cstdlib>
#include <optional>

#include "responder/json.h"
#include "responder/sha256.h"
#include "responder/targets/step_attachment.h"
#include "responder/targets/step_channel.h"
#include "tests/support/process.h"

using namespace responder;
using namespace responder::targets;
using responder::testing::run_process;
using responder::testing::slurp;
using responder::testing::TempDir;

namespace {

// Sets an environment variable for one test case and puts back what was
// there, so that the cases stay independent when run in one process.
struct ScopedEnv {
  std::string name;
  std::optional<std::string> before;
  ScopedEnv(std::string n, const std::string& value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) before = v;
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (before) ::setenv(name.c_str(), before->c_str(), 1);
    else ::unsetenv(name.c_str());
  }
};


std::string payload(std::size_t size) {
  std::string bytes(size, '\0');
  std::uint32_t x = 2463534242u;
  for (auto& b : bytes) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<char>(x & 0xff);
  }
  return bytes;
}

StepRequest mark_request(const TempDir& dir, const std::string& bytes) {
  StepRequest r;
  r.operation = Operation::apply;
  r.module = "test.mark";
  r.params = json::object{{"file", (dir / "marks").string()}, {"attachment_copy", (dir / "copy").string()}};
  r.incident_id = "INC-ATT";
  r.step_id = "push";
  r.host = "lab1";
  r.attachment = AttachmentHeader{sha256_hex(bytes), bytes.size()};
  r.attachment_bytes = std::make_shared<const std::string>(bytes);
  return r;
}

// The far side as the executors start it, with this test's temporary
// directory, and no configuration of the machine's.
StepExchange exchange_with_far_side(const StepRequest& request, const std::string* bytes) {
  ScopedEnv no_config("RESPONDER_CONFIG", "");
  StepProgram program;
  program.path = RESPONDER_TEST_BINARY;
  program.argv = {"responder-test", "step"};
  auto channel = StepChannel::start(program);
  REQUIRE(channel.ok());
  return channel->exchange(to_json_text(request_to_json(request)), nullptr,
                           std::chrono::steady_clock::now() + std::chrono::seconds(60), std::chrono::seconds(2), nullptr,
                           nullptr, bytes);
}

bool staging_left(const std::filesystem::path& tmp) {
  for (auto& entry : std::filesystem::directory_iterator(tmp))
    if (entry.path().filename().string().starts_with("responder-attachment-")) return true;
  return false;
}

}  // namespace

TEST_CASE("step attachment: 3 MiB sent after the request arrive whole, checked, and are gone after the answer") {
  TempDir dir, tmp;
  ScopedEnv tmpdir("TMPDIR", tmp.path().string());
  std::string bytes = payload(3 * 1024 * 1024 + 17);
  auto request = mark_request(dir, bytes);
  auto ex = exchange_with_far_side(request, request.attachment_bytes.get());
  INFO("stderr: ", ex.err, " bad answer: ", ex.bad_answer);
  REQUIRE(ex.answer.has_value());
  REQUIRE_MESSAGE(ex.answer->ok, ex.answer->error.message);
  CHECK(ex.started_answering);
  CHECK(slurp(dir / "copy") == bytes);
  auto& seen = ex.answer->receipt->output.at("attachment").as_object();
  CHECK(seen.at("sha256").as_string() == sha256_hex(bytes));
  CHECK(seen.at("size").to_number<std::uint64_t>() == bytes.size());
  CHECK(std::string(seen.at("path").as_string()).starts_with(tmp.path().string()));
  CHECK_FALSE(staging_left(tmp.path()));
}

TEST_CASE("step attachment: bytes that differ from the announced SHA-256 are refused before anything runs") {
  TempDir dir, tmp;
  ScopedEnv tmpdir("TMPDIR", tmp.path().string());
  std::string bytes = payload(200000);
  auto request = mark_request(dir, bytes);
  std::string changed = bytes;
  changed[123456] = static_cast<char>(changed[123456] ^ 0x20);
  auto ex = exchange_with_far_side(request, &changed);
  REQUIRE(ex.answer.has_value());
  CHECK_FALSE(ex.answer->ok);
  CHECK(ex.answer->error.kind == ErrorKind::bad_input);
  CHECK(ex.answer->error.message.find("changed on its way") != std::string::npos);
  CHECK(ex.answer->error.message.find(sha256_hex(bytes)) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "marks"));
  CHECK_FALSE(std::filesystem::exists(dir / "copy"));
  CHECK_FALSE(staging_left(tmp.path()));
}

TEST_CASE("step attachment: an input that ends before the announced size is refused, nothing started") {
  TempDir dir, tmp;
  std::string bytes = payload(100000);
  auto request = mark_request(dir, bytes);
  dir.write("input", to_json_text(request_to_json(request)) + "\n" + bytes.substr(0, 60000));
  auto r = run_process({"sh", "-c", "RESPONDER_CONFIG= \"$0\" step < \"$1\"", RESPONDER_TEST_BINARY,
                        (dir / "input").string()},
                       {"TMPDIR=" + tmp.path().string()});
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("started") == std::string::npos);
  CHECK_MESSAGE(r.out.find("ended after 60000 of its 100000 bytes") != std::string::npos, r.out);
  // The controller stopped sending: to try again, not bad input.
  CHECK(r.out.find("\"kind\":\"interrupted\"") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "marks"));
  CHECK_FALSE(staging_left(tmp.path()));
}

TEST_CASE("step attachment: the request announces it with a 64-hex SHA-256 and a size within bounds") {
  auto parse = [](const std::string& attachment) {
    return request_from_json(parse_json(
        R"({"protocol":1,"version":"0.1.0","operation":"apply","module":"note.add","params":{},"attachment":)" +
        attachment + "}"));
  };
  std::string hash(64, 'a');
  auto good = parse(R"({"sha256":")" + hash + R"(","size":10})");
  REQUIRE_MESSAGE(good.ok(), good.error().message);
  CHECK(good->attachment->size == 10);
  CHECK(to_json_text(request_to_json(*good)).find(hash) != std::string::npos);
  CHECK(parse("null").ok());
  for (const std::string& bad : std::vector<std::string>{R"({"sha256":")" + hash + R"(","size":0})", R"({"sha256":")" + hash + R"(","size":-4})",
                          R"({"sha256":")" + hash + R"(","size":99999999999999})",
                          R"({"sha256":")" + std::string(64, 'A') + R"(","size":10})",
                          R"({"sha256":"abc","size":10})", R"({"size":10})", R"("x")"}) {
    auto r = parse(bad);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::bad_input);
    CHECK(r.error().message.find("attachment") != std::string::npos);
  }
}

TEST_CASE("step attachment: bytes already in this process are staged only when they match their header") {
  TempDir tmp;
  ScopedEnv tmpdir("TMPDIR", tmp.path().string());
  std::string bytes = payload(5000);
  std::filesystem::path where;
  {
    auto staged = stage_attachment(AttachmentHeader{sha256_hex(bytes), bytes.size()}, bytes);
    REQUIRE(staged.ok());
    where = (*staged)->path();
    CHECK(slurp(where) == bytes);
    CHECK((std::filesystem::status(where.parent_path()).permissions() & std::filesystem::perms::all) ==
          std::filesystem::perms::owner_all);
  }
  CHECK_FALSE(std::filesystem::exists(where));
  auto wrong_size = stage_attachment(AttachmentHeader{sha256_hex(bytes), bytes.size() + 1}, bytes);
  CHECK_FALSE(wrong_size.ok());
  auto wrong_hash = stage_attachment(AttachmentHeader{std::string(64, '0'), bytes.size()}, bytes);
  REQUIRE_FALSE(wrong_hash.ok());
  CHECK(wrong_hash.error().kind == ErrorKind::bad_input);
  CHECK_FALSE(staging_left(tmp.path()));
}
