// A problem found in an input file, reported as FILE:LINE:COL: message.
#pragma once

#include <string>
#include <vector>

namespace responder {

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem is about the whole file
  int column = 0;  // 1-based
  std::string message;
  bool warning = false;

  // "file:line:col: message" ("warning: " when a warning), always one line:
  // control characters and bytes that are not UTF-8 in the file name or the
  // message are escaped (see message_text.h).
  std::string format() const;
};

bool has_errors(const std::vector<Diagnostic>& diagnostics);

// The closest of `candidates` to `word` by edit distance, if it is close
// enough to be a likely typo; empty otherwise (always for words longer than
// 128 bytes). For "did you mean" hints.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace responder
