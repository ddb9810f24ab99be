// A report made with --force from any journal bytes (a forced report reads
// a journal anyone may have edited), rendered in every format; and the same
// bytes read as a review file (report_review.h), which a responder may have
// been handed by someone else.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "responder/journal.h"
#include "responder/report/incident_report.h"
#include "responder/report/report_formats.h"
#include "responder/report/report_review.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  responder::ReviewInput review;
  if (auto parsed = responder::parse_review_input(bytes, "review.yaml")) {
    review = std::move(*parsed);
    for (auto& asset : review.assets)
      if (asset.cost_per_hour < 0 || asset.match.empty()) std::abort();
  } else if (parsed.error().message.rfind("review.yaml", 0) != 0) {
    std::abort();  // every error names the file
  }
  auto contents = responder::read_journal_bytes(bytes, "journal.jsonl");
  if (!contents) return 0;
  responder::ReportJournal journal;
  journal.contents = &*contents;
  journal.incident_id = "IR-FUZZ";
  journal.head_witness = "1:" + std::string(64, '0');
  journal.verified = false;
  journal.verification_problem = "fuzzed";
  auto report = responder::build_incident_report(journal, review);
  if (!report) return 0;
  auto html = responder::report_html(*report);
  if (html.find("<script") != std::string::npos) std::abort();  // journal text is always escaped
  (void)responder::report_markdown(*report);
  return 0;
}
