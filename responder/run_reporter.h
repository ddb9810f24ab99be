// What a responder sees while a run goes on: stage and step names, elapsed
// time, what is being waited for; or, with --json, one JSON object per line.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "responder/json.h"
#include "responder/module.h"

namespace responder {

class RunReporter : public ProgressSink {
 public:
  explicit RunReporter(bool json_lines);

  void stage(const std::string& name);
  // `event` is a journal-like word: planned, applied, verified, failed, ...
  void step(const std::string& id, const std::string& event, const std::string& message,
            const std::vector<std::string>& changes = {});
  // `authenticated`: approvers: are configured, so approvals are signed or
  // tied to an OS user; the line tells the person which way to approve.
  void waiting(const std::string& id, int needed, const std::vector<std::string>& approvers, bool authenticated);
  void note(const std::string& message);
  void finished(const std::string& outcome, int exit_code);
  // The journal's last record as a witness ("SEQ:SHA256") to keep elsewhere.
  void journal_head(const std::string& witness);

  void progress(std::uint64_t done, std::uint64_t total, const std::string& unit, const std::string& note) override;
  void set_current_step(const std::string& id) { current_step_ = id; }
  void set_incident(const std::string& id) { incident_ = id; }

 private:
  void emit(json::object event);
  std::string elapsed() const;
  bool json_ = false;
  bool terminal_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_progress_{};
  std::string current_step_;
  std::string incident_ = "<incident>";
  bool progress_line_open_ = false;
};

}  // namespace responder
