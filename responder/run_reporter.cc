#include "responder/run_reporter.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "responder/clock.h"
#include "responder/message_text.h"

namespace responder {

RunReporter::RunReporter(bool json_lines)
    : json_(json_lines), terminal_(::isatty(STDOUT_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

std::string RunReporter::elapsed() const {
  auto s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start_).count();
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%02lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  return buffer;
}

void RunReporter::emit(json::object event) {
  event["time"] = now_rfc3339();
  std::cout << to_json_text(event) << std::endl;
}

namespace {
void close_progress_line(bool& open) {
  if (open) {
    std::cout << "\n";
    open = false;
  }
}
}  // namespace

void RunReporter::stage(const std::string& name) {
  if (json_) return emit({{"event", "stage"}, {"stage", name}});
  close_progress_line(progress_line_open_);
  std::cout << "[" << elapsed() << "] == " << name << " ==" << std::endl;
}

void RunReporter::step(const std::string& id, const std::string& event, const std::string& message,
                       const std::vector<std::string>& changes) {
  if (json_) {
    json::array c;
    for (auto& line : changes) c.push_back(json::string(line));
    json::object o{{"event", "step"}, {"step", id}, {"status", event}, {"message", message}};
    if (!changes.empty()) o["changes"] = c;
    return emit(std::move(o));
  }
  close_progress_line(progress_line_open_);
  // Messages carry text from hosts, files and processes: one line each, no
  // terminal escapes, whatever they hold.
  std::cout << "[" << elapsed() << "]    " << one_line(id) << ": " << one_line(event);
  if (!message.empty()) std::cout << " — " << one_line(message);
  std::cout << "\n";
  for (auto& line : changes) std::cout << "             · " << one_line(line) << "\n";
  std::cout.flush();
}

void RunReporter::waiting(const std::string& id, int needed, const std::vector<std::string>& approvers,
                          bool authenticated) {
  std::string who;
  for (auto& a : approvers) who += (who.empty() ? "" : ", ") + a;
  if (json_) {
    json::array a;
    for (auto& name : approvers) a.push_back(json::string(name));
    return emit({{"event", "waiting"}, {"step", id}, {"needed", needed}, {"approved_by", a}, {"authenticated", authenticated}});
  }
  close_progress_line(progress_line_open_);
  std::string how = "responder approve " + incident_ + " " + id + " --as NAME" +
                    (authenticated ? " --key ~/.ssh/id_ed25519` (or --print-request to sign elsewhere)"
                                   : "` (UNAUTHENTICATED: no approvers: configured, any name is taken as given)");
  std::cout << "[" << elapsed() << "]    " << id << ": waiting for approval (" << approvers.size() << " of " << needed
            << (who.empty() ? "" : ": " + who) << ") — run `" << how << "; Ctrl-C leaves the incident resumable"
            << std::endl;
}

void RunReporter::note(const std::string& message) {
  if (json_) return emit({{"event", "note"}, {"message", message}});
  close_progress_line(progress_line_open_);
  std::cout << "[" << elapsed() << "] " << one_line(message) << std::endl;
}

void RunReporter::finished(const std::string& outcome, int exit_code) {
  if (json_) return emit({{"event", "finished"}, {"outcome", outcome}, {"exit_code", exit_code}});
  close_progress_line(progress_line_open_);
  std::cout << "[" << elapsed() << "] run " << outcome << " (exit " << exit_code << ")" << std::endl;
}

void RunReporter::journal_head(const std::string& witness) {
  if (json_) return emit({{"event", "journal_head"}, {"witness", witness}});
  close_progress_line(progress_line_open_);
  std::cout << "[" << elapsed() << "] journal head " << witness << " — keep a copy elsewhere; `responder journal "
            << incident_ << " --verify --witness " << witness << "` later proves the journal still holds it" << std::endl;
}

void RunReporter::progress(std::uint64_t done, std::uint64_t total, const std::string& unit, const std::string& note) {
  auto now = std::chrono::steady_clock::now();
  bool last = total && done >= total;
  // A terminal's one line is redrawn each second; a log or a pipe gets a
  // measured line (done of total) at most every 10 s. Lines without a total
  // are events a step reports (a lock waited for, a message sent): 1 s.
  bool measured = total > 0;
  if (!last && now - last_progress_ < (terminal_ || json_ || !measured ? std::chrono::seconds(1) : std::chrono::seconds(10)))
    return;
  last_progress_ = now;
  if (json_) {
    return emit({{"event", "progress"}, {"step", current_step_}, {"done", done}, {"total", total}, {"unit", unit},
                 {"note", note}});
  }
  std::string line = "[" + elapsed() + "]    " + current_step_ + ": " + std::to_string(done) +
                     (total ? "/" + std::to_string(total) : "") + " " + unit +
                     (total ? " (" + std::to_string(done * 100 / total) + "%)" : "") + (note.empty() ? "" : " " + note);
  if (terminal_) {
    std::cout << "\r\033[K" << line << std::flush;
    progress_line_open_ = true;
  } else {
    std::cout << line << std::endl;
  }
}

}  // namespace responder
