// Which approvals count: real ed25519 keys made by ssh-keygen, real
// signatures, a real journal; only the records are written directly.
#include <doctest/doctest.h>

#include <vector>

#include "responder/approval_request.h"
#include "responder/approval_tally.h"
#include "responder/config.h"
#include "responder/ssh_signature.h"
#include "tests/responder/approver_keys.h"
#include "tests/support/skip.h"

using namespace responder;
using namespace responder::testing;

namespace {

// A journal with one planned step ("gated") and approvers alice and bob
// (keys) and carol (OS user only).
struct SignedJournal {
  ApproverKeys keys{"alice", "bob", "mallory"};
  TempDir dir;
  std::filesystem::path incident = dir / "I1";
  Approvers approvers;

  SignedJournal() {
    approvers["alice"] = {"alice", "", {*parse_ssh_public_key(keys.pub.at("alice"))}};
    approvers["bob"] = {"bob", "", {*parse_ssh_public_key(keys.pub.at("bob"))}};
    approvers["carol"] = {"carol", "carol", {}};
    auto journal = JournalWriter::open(incident, true);
    REQUIRE(journal.ok());
    REQUIRE(journal->append("incident.opened", "t", {}).ok());
    plan(json::object{{"block", "192.0.2.7"}});
    plan_step("other", json::object{{"block", "192.0.2.9"}});
  }
  JournalWriter writer() const {
    auto journal = JournalWriter::open(incident, false);
    REQUIRE(journal.ok());
    return std::move(*journal);
  }
  void plan_step(const std::string& step, const json::object& detail) const {
    REQUIRE(writer().append("step.planned", "t", {{"step", step}, {"detail", detail}}).ok());
  }
  void plan(const json::object& detail) const { plan_step("gated", detail); }
  JournalContents contents() const {
    auto c = read_journal(incident / "journal.jsonl");
    REQUIRE(c.ok());
    return *c;
  }
  // What `person`'s key signs to approve `step` as `name` now.
  std::pair<ApprovalRequest, std::string> sign(const std::string& person, const std::string& name,
                                               const std::string& step = "gated") const {
    auto request = current_request("I1", contents(), step, name);
    REQUIRE(request.ok());
    auto signature = ssh_sign(keys.key.at(person), request->text(), kApprovalNamespace);
    REQUIRE_MESSAGE(signature.ok(), signature.error().message);
    return {*request, *signature};
  }
  void append(const ApprovalRequest& request, const std::string& signature, const std::string& step = "gated") const {
    REQUIRE(writer()
                .append("approval", request.approver,
                        {{"step", step}, {"by", request.approver}, {"os_user", "root"},
                         {"plan_sha256", request.plan_sha256}, {"head", request.head()}, {"signature", signature}})
                .ok());
  }
  ApprovalTally tally() const { return tally_approvals(approvers, "I1", contents(), "gated"); }
};

std::string reasons(const ApprovalTally& tally) {
  std::string out;
  for (auto& r : tally.refused) out += r.by + ": " + r.reason + "\n";
  return out;
}

}  // namespace

TEST_CASE("approver names are normalised so one person typing twice is one person") {
  CHECK(normalise_approver_name("alice") == "alice");
  CHECK(normalise_approver_name("Alice ") == "alice");
  CHECK(normalise_approver_name("  ALICE\t Smith  ") == "alice smith");
}

TEST_CASE("approvers: in the configuration: keys, key files, os users, and errors with their location") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  ApproverKeys keys{"alice", "bob"};
  keys.dir.write("bob.pub", keys.pub.at("bob") + "\n");
  std::vector<Diagnostic> diagnostics;
  auto config = load_config(keys.config(keys.entry("alice", "alice", "alice") + "  bob: {ssh_key_file: bob.pub}\n" +
                                        "  carol: {os_user: carol}\n"),
                            true, diagnostics);
  if (!config.ok()) FAIL(config.error().message);
  CHECK(config->approvers.size() == 3);
  CHECK(config->approvers.at("alice").os_user == "alice");
  CHECK(config->approvers.at("bob").ssh_keys.size() == 1);
  CHECK(config->approvers.at("carol").ssh_keys.empty());

  auto refused = [&](const std::string& yaml, const std::string& expected) {
    std::vector<Diagnostic> d;
    auto c = load_config(keys.config(yaml), true, d);
    REQUIRE_FALSE(c.ok());
    INFO(c.error().message);
    CHECK(c.error().message.find(expected) != std::string::npos);
    CHECK(c.error().message.find("responder.yaml:") != std::string::npos);
  };
  refused(keys.entry("alice", "alice") + keys.entry("bob", "alice"), "also alice's");
  refused("  Alice: {os_user: alice}\n", "lower-case");
  refused("  alice: {os_usr: alice}\n", "did you mean 'os_user'");
  refused("  alice: {ssh_key: \"command=\\\"sh\\\" ssh-ed25519 AAAA\"}\n", "not an SSH public key type");
  refused("  alice: {}\n", "needs ssh_key");
  refused("  alice: {ssh_key_file: missing.pub}\n", "cannot read");
}

TEST_CASE("signed approvals: the same key twice counts once, two configured people count two") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  SignedJournal j;
  auto [first, sig1] = j.sign("alice", "alice");
  j.append(first, sig1);
  auto [second, sig2] = j.sign("alice", "alice");
  j.append(second, sig2);
  auto tally = j.tally();
  INFO(reasons(tally));
  CHECK(tally.authenticated);
  CHECK(tally.approvers == std::vector<std::string>{"alice"});
  auto [third, sig3] = j.sign("bob", "bob");
  j.append(third, sig3);
  CHECK(j.tally().approvers == std::vector<std::string>{"alice", "bob"});
}

TEST_CASE("signed approvals: a key signing under another approver's name is refused") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  SignedJournal j;
  auto [as_bob, by_alice] = j.sign("alice", "bob");
  j.append(as_bob, by_alice);
  auto [as_alice, by_mallory] = j.sign("mallory", "alice");
  j.append(as_alice, by_mallory);
  auto tally = j.tally();
  CHECK(tally.approvers.empty());
  REQUIRE(tally.refused.size() == 2);
  CHECK(tally.refused[0].reason.find("does not verify for bob") != std::string::npos);
}

TEST_CASE("signed approvals: a signature over another step is refused") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  SignedJournal j;
  auto [other, signature] = j.sign("alice", "alice", "other");
  // The record claims step gated, with the signature made for step other.
  ApprovalRequest claimed = other;
  claimed.step = "gated";
  claimed.plan_sha256 = plan_sha256(*latest_plan(j.contents(), "gated"));
  j.append(claimed, signature);
  auto tally = j.tally();
  CHECK(tally.approvers.empty());
  REQUIRE(tally.refused.size() == 1);
  CHECK(tally.refused[0].reason.find("does not verify") != std::string::npos);
}

TEST_CASE("signed approvals: a signature over another plan is refused, before and after a re-plan") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  SignedJournal j;
  auto [old_plan, signature] = j.sign("alice", "alice");
  j.plan(json::object{{"block", "198.51.100.0/24"}});  // re-planned: blocks far more
  j.append(old_plan, signature);
  auto tally = j.tally();
  CHECK(tally.approvers.empty());
  REQUIRE(tally.refused.size() == 1);
  CHECK(tally.refused[0].reason.find("re-planned") != std::string::npos);

  // The record edited to name the new plan: the signature no longer matches.
  ApprovalRequest edited = old_plan;
  edited.plan_sha256 = tally.plan_sha256;
  j.append(edited, signature);
  tally = j.tally();
  CHECK(tally.approvers.empty());
  REQUIRE(tally.refused.size() == 2);
  CHECK(tally.refused[1].reason.find("before that plan was journaled") != std::string::npos);

  // A re-plan with the same detail keeps the approval: it approves the same change.
  auto [fresh, fresh_signature] = j.sign("alice", "alice");
  j.plan(json::object{{"block", "198.51.100.0/24"}});
  j.append(fresh, fresh_signature);
  CHECK(j.tally().approvers == std::vector<std::string>{"alice"});
}

TEST_CASE("signed approvals: a record edited after signing, or naming a head not in the journal, is refused") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  SignedJournal j;
  auto [request, signature] = j.sign("alice", "alice");
  ApprovalRequest other_head = request;
  other_head.head_seq = 2;
  other_head.head_sha256 = j.contents().records[1].hash;  // a real record, not the one signed
  j.append(other_head, signature);
  ApprovalRequest made_up = request;
  made_up.head_sha256 = std::string(64, 'a');
  j.append(made_up, signature);
  std::string flipped = signature;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  j.append(request, flipped);
  auto tally = j.tally();
  CHECK(tally.approvers.empty());
  REQUIRE(tally.refused.size() == 3);
  CHECK(tally.refused[0].reason.find("does not verify") != std::string::npos);
  CHECK(tally.refused[1].reason.find("not a record of this journal") != std::string::npos);
  CHECK(tally.refused[2].reason.find("does not verify") != std::string::npos);
}

TEST_CASE("approvers with only an OS user count by that OS user: names not configured never count") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  SignedJournal j;
  std::string plan = plan_sha256(*latest_plan(j.contents(), "gated"));
  auto approval = [&](const std::string& by, const std::string& os_user) {
    REQUIRE(j.writer()
                .append("approval", by, {{"step", "gated"}, {"by", by}, {"os_user", os_user}, {"plan_sha256", plan}})
                .ok());
  };
  approval("carol", "root");
  approval("dave", "dave");
  approval("alice", "alice");  // alice has a key: her name alone is not enough
  auto tally = j.tally();
  CHECK(tally.approvers.empty());
  CHECK(tally.refused.size() == 3);
  approval("carol", "carol");
  CHECK(j.tally().approvers == std::vector<std::string>{"carol"});
}

TEST_CASE("without approvers: configured, names are normalised and the tally says it is unauthenticated") {
  RESPONDER_SKIP_WHEN(have_ssh_keygen() ? "" : "ssh-keygen is not installed (Debian package openssh-client)");
  SignedJournal j;
  for (auto* name : {"alice", "Alice ", " ALICE"})
    REQUIRE(j.writer().append("approval", name, {{"step", "gated"}, {"by", name}, {"os_user", "root"}}).ok());
  auto tally = tally_approvals({}, "I1", j.contents(), "gated");
  CHECK_FALSE(tally.authenticated);
  CHECK(tally.approvers == std::vector<std::string>{"alice"});
}

TEST_CASE("an approval request is canonical and parses back: anything else is refused") {
  ApprovalRequest r{"I1", "gated", std::string(64, 'b'), 7, std::string(64, 'c'), "alice"};
  auto parsed = parse_approval_request(r.text());
  REQUIRE(parsed.ok());
  CHECK(parsed->text() == r.text());
  std::string edited = r.text();
  edited.replace(edited.find("gated"), 5, "other");
  CHECK(parse_approval_request(edited).ok());  // still canonical: the signature check catches it
  CHECK_FALSE(parse_approval_request(r.text() + "extra\n").ok());
  CHECK_FALSE(parse_approval_request("responder approval v1\nincident: I1\n").ok());
}
