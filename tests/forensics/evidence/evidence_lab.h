// Shared by the evidence tests: a private incident home on a disk where the
// write-once attributes work, an incident in it, a sealed three-item bundle,
// and the helpers that tamper with a store and read what verify says.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "forensics/evidence/evidence_item.h"
#include "forensics/evidence/evidence_sealer.h"
#include "forensics/evidence/evidence_store.h"
#include "forensics/evidence/evidence_verifier.h"
#include "forensics/evidence/evidence_writer.h"
#include "forensics/evidence/immutable_file.h"
#include "responder/durable_file.h"
#include "responder/module.h"

namespace responder::evidence::lab {

namespace fs = std::filesystem;

// A private incident home on the machine's disk (/var/tmp: ext4 here, where
// the write-once attributes work; /tmp may be tmpfs). Removed on destruction
// even when the test failed, after clearing every write-once attribute:
// immutable files cannot otherwise be removed, even by root.
struct TempHome {
  fs::path root;
  explicit TempHome(const std::string& prefix = "responder-evidence-test") {
    std::string templ = "/var/tmp/" + prefix + "-XXXXXX";
    REQUIRE(::mkdtemp(templ.data()) != nullptr);
    root = templ;
  }
  ~TempHome() {
    remove_write_once_tree(root);
  }
  TempHome(const TempHome&) = delete;
};

struct Incident {
  TempHome home;
  StepContext context;
  explicit Incident(const std::string& id = "INC-T") {
    context.incident_id = id;
    context.incident_dir = home.root / id;
    context.actor = "tester";
    context.step_id = "test";
    fs::create_directories(context.incident_dir);
  }
  fs::path evidence() const { return evidence_dir(context.incident_dir); }
};

inline std::string read_file(const fs::path& p) { return *read_text_file(p); }

inline void overwrite(const fs::path& p, const std::string& text) {
  (void)clear_write_once(p);
  fs::permissions(p, fs::perms::owner_read | fs::perms::owner_write);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

inline Result<EvidenceItem> add_text_item(const StepContext& context, const std::string& name, const std::string& text) {
  auto writer = EvidenceWriter::begin(context, name, false);
  if (!writer) return writer.error();
  if (auto s = (*writer)->write(text); !s) return s.error();
  json::object metadata;
  metadata["note"] = "test item";
  return (*writer)->finish("test:" + name, metadata, "unit test");
}

// A sealed bundle with three items.
inline void make_sealed_bundle(Incident& incident) {
  REQUIRE(add_text_item(incident.context, "alpha.txt", "alpha evidence\n").ok());
  REQUIRE(add_text_item(incident.context, "beta.log", std::string(5000, 'b')).ok());
  REQUIRE(add_text_item(incident.context, "gamma.jsonl", "{\"x\":1}\n{\"x\":2}\n").ok());
  SealOptions options;
  options.case_number = "2026-114";
  options.examiner = "E. Xaminer";
  auto sealed = seal_evidence(incident.context, options);
  REQUIRE_MESSAGE(sealed.ok(), (sealed.ok() ? "" : sealed.error().message));
}

// True when some broken finding is about `subject` and says `words`.
inline bool caught(const VerifyReport& report, const std::string& subject, const std::string& words) {
  for (auto& f : report.findings)
    if (f.outcome == Outcome::broken && f.subject.find(subject) != std::string::npos &&
        f.detail.find(words) != std::string::npos)
      return true;
  return false;
}

inline std::string broken_list(const VerifyReport& report) {
  std::string out;
  for (auto& f : report.findings)
    if (f.outcome == Outcome::broken) out += "  " + f.subject + ": " + f.detail + "\n";
  return out;
}

inline VerifyOptions copy_options() {
  VerifyOptions o;
  o.check_write_once = false;  // as for an unpacked copy: the hashes alone must catch it
  return o;
}

// Write-once needs CAP_LINUX_IMMUTABLE and a file system with inode flags.
inline std::string write_once_unavailable(const fs::path& dir) {
  if (geteuid() != 0) return "not root (CAP_LINUX_IMMUTABLE needed)";
  auto probe = dir / "probe";
  { std::ofstream(probe) << "x"; }
  Status s = set_write_once(probe, WriteOnceFlag::immutable);
  (void)clear_write_once(probe);
  fs::remove(probe);
  return s ? "" : s.error().message;
}

}  // namespace responder::evidence::lab
