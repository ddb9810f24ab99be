// A program a drill keeps running beside itself (the lab's hosts, the attack,
// the run of the playbook): started with an argv vector, never a shell line,
// and tied to the drill's life. When the drill dies, even by kill -9, the
// kernel kills the program too (PR_SET_PDEATHSIG), so no attack traffic
// outlives the drill that started it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "responder/result.h"

namespace responder::drill {

class LabProcess {
 public:
  // Starts argv[0] (looked up in PATH). Its standard output and error go to
  // `output` (appended), or to the drill's own when it is empty; its
  // standard input is /dev/null. `tied` false leaves it running after the
  // drill ends (a lab kept with --keep).
  static Result<LabProcess> start(const std::vector<std::string>& argv, const std::filesystem::path& output = {},
                                  bool tied = true);

  LabProcess() = default;
  LabProcess(LabProcess&&) noexcept;
  LabProcess& operator=(LabProcess&&) noexcept;
  LabProcess(const LabProcess&) = delete;
  LabProcess& operator=(const LabProcess&) = delete;
  // Kills and reaps a program still running.
  ~LabProcess();

  pid_t pid() const { return pid_; }
  // The exit code once it ended (-1 when a signal ended it); nullopt while it runs.
  std::optional<int> poll();
  // Waits at most `limit`; nullopt when it still runs.
  std::optional<int> wait(std::chrono::milliseconds limit);
  // SIGTERM, then SIGKILL after `grace`; reaps it.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));
  // Forgets the program without ending it (it outlives this object).
  void release() { pid_ = -1; }

 private:
  pid_t pid_ = -1;
  bool group_ = false;  // the program leads a process group of its own (tied)
  std::optional<int> exit_;
};

}  // namespace responder::drill
