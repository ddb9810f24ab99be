// An incident home with a configuration, a contacts file and file channels,
// for end-to-end tests of notify.send through the real command line.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "responder/json.h"
#include "tests/responder/engine_lab.h"
#include "tests/support/loopback_port.h"

namespace responder::testing {

struct NotifyLab : EngineLab {
  std::filesystem::path config = dir / "responder.yaml";

  // Writes responder.yaml with `channels` (YAML lines under notify.channels,
  // indented by 4) and contacts.yaml with `people` (under people:, by 2).
  void write(const std::string& channels, const std::string& people, const std::string& notify_extra = "") const {
    dir.write("contacts.yaml", "people:\n" + people);
    dir.write("responder.yaml", "contacts: contacts.yaml\nnotify:\n  attempts: 2\n  backoff: 100ms\n" + notify_extra +
                                    "  channels:\n" + channels);
  }
  std::filesystem::path inbox(const std::string& name) const { return dir / (name + ".jsonl"); }
  // A file channel NAME writing to inbox(NAME).
  std::string file_channel(const std::string& name) const {
    return "    " + name + ": {type: file, path: " + inbox(name).string() + "}\n";
  }
  ProcessResult responder_with_config(std::vector<std::string> args, std::vector<std::string> env = {}) const {
    args.push_back("--config");
    args.push_back(config.string());
    return responder(args, env);
  }
  std::unique_ptr<Process> start_with_config(std::vector<std::string> args) const {
    args.push_back("--config");
    args.push_back(config.string());
    return start(args);
  }
  // Each message a file channel wrote, parsed.
  std::vector<json::object> received(const std::string& name) const {
    std::vector<json::object> out;
    for (auto& line : lines(inbox(name)))
      if (!line.empty()) out.push_back(parse_json(line).as_object());
    return out;
  }
  std::size_t count_to(const std::string& name, const std::string& recipient) const {
    std::size_t n = 0;
    for (auto& m : received(name))
      if (m.at("to").as_string() == recipient) ++n;
    return n;
  }
};

// A loopback TCP port nothing listens on.
inline int closed_loopback_port() { return free_loopback_port(SOCK_STREAM); }

}  // namespace responder::testing
