// `responder analyze CAPTURE... [--json]`: what traffic.analyze concludes
// about capture files, for an analyst, outside any playbook.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "forensics/traffic/traffic_analysis.h"
#include "responder/command.h"
#include "responder/exit_code.h"
#include "responder/message_text.h"

namespace responder::traffic {
namespace {

struct AnalyzeArguments {
  std::vector<std::string> captures;
  bool json = false;
};

void setup(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<AnalyzeArguments>();
  command.add_option("CAPTURE", args->captures, "pcap or pcapng files, read as one capture")->required();
  // Accepted here too, so that `analyze --json` reads naturally.
  command.add_flag("--json", args->json, "print the conclusion as one JSON object");
  command.footer("Examples:\n  responder analyze attack.pcap\n  responder analyze attack.pcap --json");
  action = [args, &globals]() -> int {
    std::vector<std::filesystem::path> files(args->captures.begin(), args->captures.end());
    auto finding = analyze_captures(files);
    if (!finding) {
      std::cerr << "responder analyze: " << finding.error().message << "\n";
      return exit_code_for(finding.error().kind);
    }
    if (args->json || globals.json) std::cout << to_json_text(finding->to_json()) << "\n";
    else std::cout << finding->to_table();
    // A capture cut short (still being written, copied half-way) reads as
    // less traffic than there was: said on stderr in every mode, not only
    // inside --json.
    if (auto* warnings = finding->capture.if_contains("warnings"); warnings && warnings->is_array())
      for (auto& w : warnings->get_array())
        if (w.is_string()) std::cerr << "responder analyze: warning: " << one_line(w.get_string()) << "; what came before it is counted\n";
    return kExitSuccess;
  };
}

const CommandRegistration registration{{"analyze", "what traffic.analyze concludes about pcap/pcapng files", 60, &setup}};

}  // namespace
}  // namespace responder::traffic
