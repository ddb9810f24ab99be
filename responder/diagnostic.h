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

  std::string format() const;  // "file:line:col: message" ("warning: " when a warning)
};

bool has_errors(const std::vector<Diagnostic>& diagnostics);

// The closest of `candidates` to `word` by edit distance, if it is close
// enough to be a likely typo; empty otherwise. For "did you mean" hints.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace responder
