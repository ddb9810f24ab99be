// The far side's standard output, shared by progress lines, evidence frames
// and the answer, and its EvidenceRelay (evidence_relay.h): evidence goes
// to the controller as it is hashed, and each item waits for the
// controller's word that it stored the item under the same SHA-256.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "responder/json.h"
#include "responder/targets/evidence_relay.h"

namespace responder::targets {

// Whole lines and frames on standard output, never interleaved between
// threads. A write that fails (the controller gone) fails every later one.
class FarSideOutput {
 public:
  Status line(const json::object& object);
  // One header line, then `bytes` raw, as one unit.
  Status frame(const json::object& header, std::string_view bytes);

 private:
  Status write_all(std::string_view a, std::string_view b);
  std::mutex mutex_;
  bool broken_ = false;
};

class FarSideRelay final : public EvidenceRelay {
 public:
  explicit FarSideRelay(FarSideOutput& out) : out_(out) {}

  Result<std::uint64_t> open(const std::string& name) override;
  Status send(std::uint64_t item, const std::byte* data, std::size_t size) override;
  Result<json::object> close(std::uint64_t item, json::object description) override;
  void abandon(std::uint64_t item) override;

  // A line the controller wrote after the request (evidence_stored or
  // evidence_refused); other lines are ignored.
  void controller_said(std::string_view line);
  // The controller's standard input ended: items still waiting fail.
  void controller_gone();

 private:
  FarSideOutput& out_;
  std::mutex mutex_;
  std::condition_variable answered_;
  std::uint64_t next_ = 0;
  std::map<std::uint64_t, Result<json::object>> answers_;
  bool gone_ = false;
};

}  // namespace responder::targets
