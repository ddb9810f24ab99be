#include "responder/unverified_output.h"

#include <iostream>

#include "responder/message_text.h"

namespace responder {
namespace {

// Holds each line until its end so the mark can go where the line's form
// needs it (before text, inside a JSON object).
class MarkingBuffer : public std::streambuf {
 public:
  MarkingBuffer(std::streambuf* sink, bool json_lines) : sink_(sink), json_(json_lines) {}
  ~MarkingBuffer() override { flush_line(); }

 protected:
  int_type overflow(int_type c) override {
    if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
    line_ += traits_type::to_char_type(c);
    if (c == '\n') flush_line();
    return c;
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    for (std::streamsize i = 0; i < n; ++i) overflow(traits_type::to_int_type(s[i]));
    return n;
  }
  int sync() override { return sink_->pubsync(); }

 private:
  void flush_line() {
    if (line_.empty()) return;
    std::string out;
    if (json_ && line_[0] == '{') {
      bool empty_object = line_.size() > 1 && line_[1] == '}';
      out = "{\"journal_verified\":false" + std::string(empty_object ? "" : ",") + line_.substr(1);
    } else {
      // Escaped, so a carriage return or a terminal sequence in a forged
      // record cannot hide the mark.
      bool ends_line = line_.back() == '\n';
      out = "UNVERIFIED JOURNAL | " + one_line(ends_line ? line_.substr(0, line_.size() - 1) : line_) +
            (ends_line ? "\n" : "");
    }
    sink_->sputn(out.data(), static_cast<std::streamsize>(out.size()));
    line_.clear();
  }
  std::streambuf* sink_;
  bool json_;
  std::string line_;
};

}  // namespace

UnverifiedOutput::UnverifiedOutput(bool json_lines, const std::string& first_break) {
  std::cerr << "responder: WARNING: the journal failed verification (" << first_break
            << "); --force shows it anyway and marks every line\n";
  original_ = std::cout.rdbuf();
  std::cout.flush();
  marker_ = std::make_unique<MarkingBuffer>(original_, json_lines);
  std::cout.rdbuf(marker_.get());
}

UnverifiedOutput::~UnverifiedOutput() {
  std::cout.flush();
  std::cout.rdbuf(original_);
  marker_.reset();  // writes a last line left without its '\n'
  std::cout.flush();
}

}  // namespace responder
