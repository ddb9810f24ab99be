#include "responder/targets/step_output_reader.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "responder/json.h"
#include "responder/targets/evidence_relay.h"

namespace responder::targets {

StepOutputReader::StepOutputReader(LineHandler on_line, DataHandler on_data, std::size_t max_line)
    : on_line_(std::move(on_line)), on_data_(std::move(on_data)), max_line_(max_line) {}

bool StepOutputReader::take_line(std::string_view line) {
  constexpr std::string_view header = "{\"evidence_data\":";
  if (!line.starts_with(header)) {
    on_line_(line);
    return true;
  }
  auto fail = [&](std::string why) {
    error_ = "the far side wrote an evidence frame header that " + std::move(why);
    return false;
  };
  json::value value;
  try {
    value = parse_json(line);
  } catch (const std::exception&) {
    return fail("is not JSON");
  }
  auto* frame = value.is_object() ? value.get_object().if_contains("evidence_data") : nullptr;
  if (!frame || !frame->is_object()) return fail("is not an object");
  auto number = [&](const char* key) -> std::optional<std::uint64_t> {
    auto* v = frame->get_object().if_contains(key);
    if (v && v->is_uint64()) return v->get_uint64();
    if (v && v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
    return std::nullopt;
  };
  auto item = number("item");
  auto size = number("size");
  if (!item || !size) return fail("lacks its item or size");
  if (*size == 0 || *size > kMaxEvidenceFrame)
    return fail("announces " + std::to_string(*size) + " bytes (1 to " + std::to_string(kMaxEvidenceFrame) + " allowed)");
  frame_item_ = *item;
  frame_left_ = *size;
  return true;
}

bool StepOutputReader::feed(std::string_view bytes) {
  if (!error_.empty()) return false;
  while (!bytes.empty()) {
    if (frame_left_ > 0) {
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(frame_left_, bytes.size()));
      on_data_(frame_item_, bytes.substr(0, take));
      frame_left_ -= take;
      bytes.remove_prefix(take);
      continue;
    }
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      if (line_.size() + bytes.size() > max_line_) {
        error_ = "the far side wrote a line longer than " + std::to_string(max_line_ >> 20) + " MiB";
        line_.clear();
        return false;
      }
      line_.append(bytes);
      return true;
    }
    bool ok;
    if (line_.empty()) {
      ok = take_line(bytes.substr(0, nl));
    } else {
      line_.append(bytes.substr(0, nl));
      std::string line = std::move(line_);
      line_.clear();
      ok = take_line(line);
    }
    bytes.remove_prefix(nl + 1);
    if (!ok) return false;
  }
  return true;
}

bool StepOutputReader::finish() {
  if (!error_.empty()) return false;
  if (frame_left_ > 0) {
    error_ = "the far side's output ended " + std::to_string(frame_left_) + " bytes into an evidence frame";
    return false;
  }
  if (!line_.empty()) {
    std::string line = std::move(line_);
    line_.clear();
    return take_line(line);
  }
  return true;
}

}  // namespace responder::targets
