// logs.analyze: sources of failed logins and blocked probes in auth,
// firewall and journal logs. Reads only; nothing to undo.
#include "forensics/logs/logs_analyze.h"

#include <algorithm>
#include <fstream>

#include "forensics/traffic/packet_address.h"
#include "responder/address.h"
#include "responder/clock.h"
#include "responder/record_module.h"

namespace responder::logs {
using namespace responder::traffic;
namespace {

// The word after `key` in `line`, up to a space; empty when absent.
std::string_view word_after(std::string_view line, std::string_view key) {
  auto at = line.find(key);
  if (at == std::string_view::npos) return {};
  auto start = at + key.size();
  auto end = line.find_first_of(" \t;,", start);
  return line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

std::string canonical_address(std::string_view text) {
  auto ip = parse_ip(text);
  return ip ? ip->to_string() : "";
}

// Syslog's "Nov 23 18:09:01 host ..." or RFC 3339 "2026-11-23T18:09:01..." at the start.
std::string line_time(std::string_view line) {
  if (line.size() >= 19 && line[4] == '-' && line[10] == 'T') {
    auto end = line.find(' ');
    return std::string(line.substr(0, end));
  }
  if (line.size() >= 15 && line[3] == ' ' && line[9] == ':') return std::string(line.substr(0, 15));
  return "";
}

void note_time(LogSource& s, const std::string& time) {
  if (time.empty()) return;
  if (s.first.empty()) s.first = time;
  s.last = time;
}

std::string journal_time(std::string_view realtime_us) {
  try {
    std::int64_t us = std::stoll(std::string(realtime_us));
    return format_rfc3339(SystemTime(std::chrono::duration_cast<SystemTime::duration>(std::chrono::microseconds(us))));
  } catch (...) {
    return "";
  }
}

}  // namespace

void read_log_line(std::string_view line, LogFindings& findings, const std::string& journal_time_text) {
  ++findings.lines;
  std::string time = journal_time_text.empty() ? line_time(line) : journal_time_text;
  // Kernel firewall log: IN=eth0 OUT= ... SRC=a DST=b ... PROTO=TCP SPT=x DPT=y
  if (line.find("IN=") != std::string_view::npos && line.find(" SRC=") != std::string_view::npos) {
    std::string address = canonical_address(word_after(line, " SRC="));
    if (address.empty()) return;
    LogSource& s = findings.by_address[address];
    ++s.blocked_probes;
    ++findings.events;
    auto port = word_after(line, " DPT=");
    if (!port.empty() && s.ports.size() < 64) {
      try {
        s.ports.insert(static_cast<std::uint16_t>(std::stoul(std::string(port))));
      } catch (...) {
      }
    }
    note_time(s, time);
    return;
  }
  if (line.find("sshd") == std::string_view::npos && line.find("Failed password") == std::string_view::npos &&
      line.find("authentication failure") == std::string_view::npos &&
      line.find("Invalid user ") == std::string_view::npos)
    return;
  std::string address, user;
  if (line.find("Failed password for ") != std::string_view::npos ||
      line.find("Failed publickey for ") != std::string_view::npos ||
      line.find("Failed keyboard-interactive") != std::string_view::npos ||
      line.find("maximum authentication attempts exceeded for ") != std::string_view::npos) {
    address = canonical_address(word_after(line, " from "));
    user = std::string(line.find("invalid user ") != std::string_view::npos ? word_after(line, "invalid user ")
                                                                             : word_after(line, " for "));
  } else if (line.find("Invalid user ") != std::string_view::npos) {
    address = canonical_address(word_after(line, " from "));
    user = std::string(word_after(line, "Invalid user "));
  } else if (line.find("authentication failure") != std::string_view::npos) {
    address = canonical_address(word_after(line, "rhost="));
    user = std::string(word_after(line, " user="));
  } else {
    return;
  }
  if (address.empty()) return;
  LogSource& s = findings.by_address[address];
  ++s.failed_logins;
  ++findings.events;
  if (!user.empty() && s.users.size() < 20) s.users.insert(user);
  note_time(s, time);
}

Status read_log_file(const std::filesystem::path& file, LogFindings& findings) {
  std::ifstream in(file);
  if (!in) return bad_input("cannot read log " + file.string());
  std::string line;
  // Journal export: KEY=value lines, an empty line between entries.
  std::string message, realtime;
  bool export_format = false;
  auto flush_entry = [&]() {
    if (!message.empty()) read_log_line(message, findings, journal_time(realtime));
    message.clear();
    realtime.clear();
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() == '{') {  // journalctl -o json
      try {
        auto value = parse_json(line);
        auto& o = value.as_object();
        std::string time;
        if (auto* t = o.if_contains("__REALTIME_TIMESTAMP"); t && t->is_string()) time = journal_time(t->as_string());
        if (auto* m = o.if_contains("MESSAGE"); m && m->is_string()) read_log_line(m->as_string(), findings, time);
      } catch (...) {
        ++findings.lines;
      }
      continue;
    }
    if (line.rfind("__CURSOR=", 0) == 0) export_format = true;
    if (export_format) {
      if (line.empty()) flush_entry();
      else if (line.rfind("MESSAGE=", 0) == 0) message = line.substr(8);
      else if (line.rfind("__REALTIME_TIMESTAMP=", 0) == 0) realtime = line.substr(21);
      continue;
    }
    read_log_line(line, findings);
  }
  if (export_format) flush_entry();
  if (in.bad()) return failure("error reading log " + file.string());
  return {};
}

json::object LogFindings::to_json(std::uint64_t threshold) const {
  std::vector<std::pair<std::string, const LogSource*>> ranked;
  for (auto& [address, s] : by_address) ranked.emplace_back(address, &s);
  std::sort(ranked.begin(), ranked.end(), [](auto& a, auto& b) {
    return a.second->failed_logins + a.second->blocked_probes > b.second->failed_logins + b.second->blocked_probes;
  });
  json::array sources, detail;
  for (auto& [address, s] : ranked) {
    std::uint64_t events = s->failed_logins + s->blocked_probes;
    if (events >= threshold) sources.emplace_back(address);
    json::object o;
    o["address"] = address;
    o["failed_logins"] = s->failed_logins;
    o["blocked_probes"] = s->blocked_probes;
    json::array users, ports;
    for (auto& u : s->users) users.emplace_back(u);
    for (auto p : s->ports) ports.emplace_back(p);
    o["users"] = std::move(users);
    o["ports"] = std::move(ports);
    o["first"] = s->first;
    o["last"] = s->last;
    detail.push_back(std::move(o));
  }
  json::object out;
  out["sources"] = std::move(sources);
  out["by_source"] = std::move(detail);
  out["lines"] = lines;
  out["events"] = events;
  out["threshold"] = threshold;
  return out;
}

namespace {

class LogsAnalyze final : public RecordModule {
 public:
  LogsAnalyze() : RecordModule("log analysis recorded", "log analysis not yet recorded") {}
  std::string_view name() const override { return "logs.analyze"; }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    PlanResult plan;
    for (auto& f : params.at("files").as_array()) {
      std::error_code ec;
      std::filesystem::path path(std::string(f.as_string()));
      if (!std::filesystem::is_regular_file(path, ec)) return bad_input("log " + path.string() + " is not a readable file");
    }
    plan.changes.push_back("nothing changes; reads " + std::to_string(params.at("files").as_array().size()) + " log file(s)");
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    LogFindings findings;
    auto& files = params.at("files").as_array();
    std::uint64_t done = 0;
    for (auto& f : files) {
      if (context.should_stop()) return interruption("log analysis stopped before " + std::string(f.as_string()));
      if (Status s = read_log_file(std::string(f.as_string()), findings); !s) return s.error();
      if (context.progress) context.progress->progress(++done, files.size(), "files", std::string(f.as_string()));
    }
    std::uint64_t threshold = params.contains("threshold") ? static_cast<std::uint64_t>(params.at("threshold").to_number<std::int64_t>()) : 5;
    Receipt receipt;
    receipt.output = findings.to_json(threshold);
    receipt.changes.push_back("logs: " + std::to_string(findings.events) + " failed logins and blocked probes from " +
                              std::to_string(findings.by_address.size()) + " address(es); " +
                              std::to_string(receipt.output.at("sources").as_array().size()) + " with at least " +
                              std::to_string(threshold));
    return receipt;
  }
};

RESPONDER_MODULE(LogsAnalyze);

}  // namespace
}  // namespace responder::logs
