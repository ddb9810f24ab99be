// `responder evidence ...` as legal staff use it, through the real binary:
// a playbook captures and seals, then verify, custody, export, and the
// third-party check with plain tar and sha256sum.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "forensics/evidence/custody_log.h"
#include "responder/durable_file.h"
#include "forensics/evidence/immutable_file.h"
#include "tests/forensics/evidence/evidence_lab.h"

using namespace responder;
using namespace responder::evidence;
using namespace responder::evidence::lab;  // TempHome: a private home, write-once cleared before removal
namespace fs = std::filesystem;

namespace {

struct Run {
  int code = -1;
  std::string out;
};

// Runs an argv vector (no shell), in `cwd`, capturing stdout and stderr.
Run run(const std::vector<std::string>& argv, const fs::path& cwd) {
  std::vector<char*> args;  // before fork: the child must not allocate
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    ::close(pipe_fds[0]);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  Run result;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) result.out.append(buffer, static_cast<std::size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

Run responder_cmd(const TempHome& home, std::vector<std::string> args) {
  std::vector<std::string> argv = {RESPONDER_BINARY, "--home", (home.root / "incidents").string(),
                                   "--config", (home.root / "responder.yaml").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, home.root);
}

// An incident whose evidence holds a capture, a collected file and an image,
// sealed; returns the printed public-key fingerprint.
std::string sealed_incident(const TempHome& home) {
  { std::ofstream(home.root / "responder.yaml") << "management: [192.0.2.0/24]\n"; }
  { std::ofstream(home.root / "auth.log") << "Nov 23 18:00:01 host sshd[99]: Failed password for root from 203.0.113.9\n"; }
  {
    std::ofstream disk(home.root / "disk.raw", std::ios::binary);
    disk << std::string(3 << 20, 'z');
  }
  std::ofstream(home.root / "evidence.yaml") << "name: evidence-cli-test\n"
                                                "description: capture, collect, image, seal\n"
                                                "severity: low\n"
                                                "stages:\n"
                                                "  analyze:\n"
                                                "    - id: capture\n"
                                                "      module: evidence.capture\n"
                                                "      with: {artifacts: [processes, mounts, routes]}\n"
                                                "    - id: logs\n"
                                                "      module: evidence.collect\n"
                                                "      with: {paths: [\""
                                             << (home.root / "auth.log*").string()
                                             << "\"]}\n"
                                                "    - id: image\n"
                                                "      module: evidence.image\n"
                                                "      with: {source: \""
                                             << (home.root / "disk.raw").string()
                                             << "\"}\n"
                                                "    - id: seal\n"
                                                "      module: evidence.seal\n"
                                                "      with: {case_number: \"2026-114\", evidence_number: \"E-7\"}\n";
  auto ran = responder_cmd(home, {"run", "evidence.yaml", "--incident", "INC-9"});
  INFO(ran.out);
  REQUIRE(ran.code == 0);
  auto at = ran.out.find("public key SHA-256 ");
  REQUIRE(at != std::string::npos);
  return ran.out.substr(at + 19, 64);
}

}  // namespace

TEST_CASE("evidence commands: verify, custody, export, and the check with plain tar and sha256sum") {
  TempHome home("responder-evidence-cli");
  std::string fingerprint = sealed_incident(home);

  auto listed = responder_cmd(home, {"evidence", "list", "INC-9"});
  CHECK(listed.code == 0);
  CHECK(listed.out.find("items/0004-home") == std::string::npos);
  CHECK(listed.out.find("disk.raw.img") != std::string::npos);
  CHECK(listed.out.find("sealed") != std::string::npos);

  auto verified = responder_cmd(home, {"evidence", "verify", "INC-9", "--fingerprint", fingerprint});
  INFO(verified.out);
  CHECK(verified.code == 0);
  CHECK(verified.out.find("VERIFIED: all checks hold") != std::string::npos);

  auto wrong_key = responder_cmd(home, {"evidence", "verify", "INC-9", "--fingerprint", std::string(64, 'a')});
  CHECK(wrong_key.code == 1);
  CHECK(wrong_key.out.find("not the key kept apart") != std::string::npos);

  auto custody = responder_cmd(home, {"evidence", "custody", "INC-9", "--add", "handed to Det. Smith, case 2026-114",
                                      "--as", "J. Doe"});
  CHECK(custody.code == 0);
  auto incident_evidence = home.root / "incidents" / "INC-9" / "evidence";
  auto lines = *read_custody_lines(incident_evidence);
  CHECK(lines.back().find("\"act\":\"transferred\"") != std::string::npos);
  CHECK(lines.back().find("\"who\":\"J. Doe\"") != std::string::npos);
  CHECK(custody_chain_problems(lines).empty());

  auto exported = responder_cmd(home, {"evidence", "export", "INC-9", "--out", "bundle.tar"});
  INFO(exported.out);
  REQUIRE(exported.code == 0);
  lines = *read_custody_lines(incident_evidence);
  CHECK(lines.back().find("\"act\":\"exported\"") != std::string::npos);

  // verify accepts the tar as it is.
  auto read_all = [](const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  auto tar_verified = responder_cmd(home, {"evidence", "verify", "bundle.tar", "--fingerprint", fingerprint});
  INFO(tar_verified.out);
  CHECK(tar_verified.code == 0);

  // Third party: plain tar, sha256sum -c, no responder.
  fs::create_directory(home.root / "unpacked");
  CHECK(run({"tar", "-xf", "../bundle.tar"}, home.root / "unpacked").code == 0);
  auto sums = run({"sha256sum", "-c", "manifest.sha256"}, home.root / "unpacked" / "INC-9-evidence");
  INFO(sums.out);
  CHECK(sums.code == 0);
  CHECK(sums.out.find("manifest.json: OK") != std::string::npos);
  CHECK(sums.out.find("FAILED") == std::string::npos);
  CHECK(run({"sha256sum", "-c", "bundle.tar.sha256"}, home.root).code == 0);
  // The incident's journal came along (the approvals and decisions behind
  // the items), byte for byte, checked by sha256sum, and named with its
  // SHA-256 and head in the export's custody record.
  auto journal_copy = home.root / "unpacked" / "INC-9-journal";
  auto journal_sums = run({"sha256sum", "-c", "journal.sha256"}, journal_copy);
  INFO(journal_sums.out);
  CHECK(journal_sums.code == 0);
  CHECK(journal_sums.out.find("journal.jsonl: OK") != std::string::npos);
  std::string journal_bytes = read_all(home.root / "incidents" / "INC-9" / "journal.jsonl");
  REQUIRE_FALSE(journal_bytes.empty());
  CHECK(read_all(journal_copy / "journal.jsonl") == journal_bytes);
  auto verification = read_all(journal_copy / "verification.json");
  CHECK(verification.find("\"intact\":true") != std::string::npos);
  auto journal_sha = run({"sh", "-c", "sha256sum < journal.jsonl | cut -d' ' -f1"}, journal_copy).out;
  REQUIRE(journal_sha.size() > 64);
  CHECK(lines.back().find("\"sha256\":\"" + journal_sha.substr(0, 64) + "\"") != std::string::npos);
  CHECK(exported.out.find("INC-9-journal") != std::string::npos);
  CHECK(tar_verified.out.find("ok       journal copy: ") != std::string::npos);
  // One changed byte in the journal copy, the tar made again: verify says so.
  fs::create_directory(home.root / "retar");
  REQUIRE(run({"tar", "-xf", "../bundle.tar"}, home.root / "retar").code == 0);
  {
    auto copy = home.root / "retar" / "INC-9-journal" / "journal.jsonl";
    fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write);
    std::string bytes = read_all(copy);
    auto at = bytes.find("evidence-cli-test");
    REQUIRE(at != std::string::npos);
    bytes[at] = 'E';
    std::ofstream(copy, std::ios::binary | std::ios::trunc) << bytes;
  }
  REQUIRE(run({"tar", "-cf", "../changed.tar", "INC-9-evidence", "INC-9-journal"}, home.root / "retar").code == 0);
  auto changed = responder_cmd(home, {"evidence", "verify", "changed.tar"});
  INFO(changed.out);
  CHECK(changed.code == 1);
  CHECK(changed.out.find("MISMATCH journal copy: SHA-256") != std::string::npos);
  // ... and openssl alone checks the seal signature.
  auto sig = run({"openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "seal.pub", "-rawin", "-in", "seal.json",
                  "-sigfile", "seal.sig"},
                 home.root / "unpacked" / "INC-9-evidence");
  INFO(sig.out);
  CHECK(sig.code == 0);

  // The unpacked directory verifies too; changing one byte in it does not.
  auto dir_verified = responder_cmd(home, {"evidence", "verify", (home.root / "unpacked" / "INC-9-evidence").string()});
  CHECK(dir_verified.code == 0);
  auto image = home.root / "unpacked" / "INC-9-evidence" / "items" / "0005-disk.raw.img";
  REQUIRE(fs::exists(image));
  {
    std::fstream f(image, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12345);
    f.put('Y');
  }
  auto tampered = responder_cmd(home, {"evidence", "verify", (home.root / "unpacked" / "INC-9-evidence").string()});
  CHECK(tampered.code == 1);
  CHECK(tampered.out.find("MISMATCH items/0005-disk.raw.img: SHA-256") != std::string::npos);
  CHECK(run({"sha256sum", "--quiet", "-c", "manifest.sha256"}, home.root / "unpacked" / "INC-9-evidence").code != 0);

  // Export refuses an existing file; verify of an unknown incident is bad input.
  CHECK(responder_cmd(home, {"evidence", "export", "INC-9", "--out", "bundle.tar"}).code == 2);
  CHECK(responder_cmd(home, {"evidence", "verify", "NOPE"}).code == 2);
}

TEST_CASE("evidence verify checks an RFC 3161 reply added later as seal.tsr") {
  TempHome home("responder-evidence-cli");
  sealed_incident(home);
  auto evidence = home.root / "incidents" / "INC-9" / "evidence";
  auto tsa = home.root / "tsa";
  fs::create_directory(tsa);
  // A throw-away time-stamping authority: a self-signed certificate with the
  // critical timeStamping usage RFC 3161 requires, and `openssl ts -reply`.
  std::ofstream(tsa / "tsa.cnf") << "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = Test TSA\n"
                                    "[v3_tsa]\nbasicConstraints = CA:FALSE\nkeyUsage = critical, digitalSignature\n"
                                    "extendedKeyUsage = critical, timeStamping\n"
                                    "[tsa]\ndefault_tsa = tsa_config\n"
                                    "[tsa_config]\nserial = ./serial\nsigner_cert = ./tsa.crt\nsigner_key = ./tsa.key\n"
                                    "signer_digest = sha256\ndefault_policy = 1.2.3.4.1\ndigests = sha256\n"
                                    "accuracy = secs:1\ness_cert_id_alg = sha256\n";
  std::ofstream(tsa / "serial") << "01\n";
  auto made = run({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                   "-keyout", "tsa.key", "-out", "tsa.crt", "-days", "30", "-config", "tsa.cnf", "-extensions", "v3_tsa"},
                  tsa);
  INFO(made.out);
  REQUIRE(made.code == 0);
  auto reply = run({"openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", (evidence / "seal.tsq").string(),
                    "-out", "seal.tsr"},
                   tsa);
  INFO(reply.out);
  REQUIRE(reply.code == 0);
  fs::copy_file(tsa / "seal.tsr", evidence / "seal.tsr");

  auto checked = responder_cmd(home, {"evidence", "verify", "INC-9", "--tsa-ca", (tsa / "tsa.crt").string()});
  INFO(checked.out);
  CHECK(checked.code == 0);
  CHECK(checked.out.find("ok       seal.tsr: RFC 3161 timestamp") != std::string::npos);
  auto unchecked = responder_cmd(home, {"evidence", "verify", "INC-9"});
  CHECK(unchecked.code == 0);
  CHECK(unchecked.out.find("signature was not checked") != std::string::npos);

  // A genuine reply, but to another request: caught.
  std::ofstream(tsa / "other.txt") << "some other document";
  REQUIRE(run({"openssl", "ts", "-query", "-data", "other.txt", "-sha256", "-cert", "-out", "other.tsq"}, tsa).code == 0);
  REQUIRE(run({"openssl", "ts", "-reply", "-config", "tsa.cnf", "-queryfile", "other.tsq", "-out", "other.tsr"}, tsa).code == 0);
  fs::remove(evidence / "seal.tsr");
  fs::copy_file(tsa / "other.tsr", evidence / "seal.tsr");
  auto wrong = responder_cmd(home, {"evidence", "verify", "INC-9", "--tsa-ca", (tsa / "tsa.crt").string()});
  INFO(wrong.out);
  CHECK(wrong.code == 1);
  CHECK(wrong.out.find("MISMATCH seal.tsr") != std::string::npos);
}
