// Splits what a far side's `responder step` writes on standard output into
// its JSON lines and the raw bytes of evidence frames (evidence_relay.h):
// a line {"evidence_data": {"item": K, "size": S}} is followed by exactly S
// bytes that are not a line. The far side may be compromised, so sizes are
// bounded and a malformed frame header ends the reading with a reason.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace responder::targets {

class StepOutputReader {
 public:
  using LineHandler = std::function<void(std::string_view line)>;
  using DataHandler = std::function<void(std::uint64_t item, std::string_view bytes)>;

  StepOutputReader(LineHandler on_line, DataHandler on_data, std::size_t max_line);

  // Feeds what was read; calls the handlers for every complete line and
  // every piece of frame data (a frame may arrive in several pieces).
  // False once the output cannot be read any further (see error()).
  bool feed(std::string_view bytes);
  // The end of the output: a last line without its newline still counts;
  // a frame cut short is an error.
  bool finish();
  const std::string& error() const { return error_; }

 private:
  bool take_line(std::string_view line);

  LineHandler on_line_;
  DataHandler on_data_;
  std::size_t max_line_;
  std::string line_;
  std::uint64_t frame_item_ = 0;
  std::uint64_t frame_left_ = 0;
  std::string error_;
};

}  // namespace responder::targets
