// Output of a read-only command that was told to go on (`--force`) although
// the incident's journal failed verification. While an UnverifiedOutput
// lives, every line written to std::cout says so: text lines start with
// "UNVERIFIED JOURNAL | ", JSON lines carry "journal_verified": false as
// their first key, so no line can be copied out of context as if it were
// trustworthy.
#pragma once

#include <iosfwd>
#include <memory>
#include <streambuf>
#include <string>

namespace responder {

class UnverifiedOutput {
 public:
  UnverifiedOutput(bool json_lines, const std::string& first_break);
  UnverifiedOutput(const UnverifiedOutput&) = delete;
  UnverifiedOutput& operator=(const UnverifiedOutput&) = delete;
  ~UnverifiedOutput();

 private:
  std::unique_ptr<std::streambuf> marker_;
  std::streambuf* original_ = nullptr;
};

}  // namespace responder
