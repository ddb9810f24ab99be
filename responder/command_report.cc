// responder report ID [--format md|html|json|pdf] [--out FILE [--overwrite]] [--review FILE] [--force]:
// the post-incident report, from the journal alone (report/incident_report.h).
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <iostream>

#include "responder/command.h"
#include "responder/durable_file.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/report/incident_report.h"
#include "responder/report/report_formats.h"
#include "responder/report/report_pdf.h"

namespace responder {
namespace {

struct ReportOptions {
  std::string id, format = "md", out, review;
  bool force = false, overwrite = false;
  bool format_given = false;  // --format on the command line
};

// The loaded journal and the built report, for the process's lifetime.
LoadedIncident* kept_incident = nullptr;
json::object* kept_document = nullptr;

// Where a report may go: a new file, or with --overwrite an existing regular
// one; never a link, a device or a directory, and never inside the incident
// home, whose journals and evidence a typo must not replace.
Status check_destination(const std::filesystem::path& out, bool overwrite, const std::filesystem::path& home) {
  std::error_code ec_where, ec_home;
  auto parent = out.parent_path().empty() ? std::filesystem::path(".") : out.parent_path();
  auto where = std::filesystem::weakly_canonical(std::filesystem::absolute(parent, ec_where), ec_where);
  auto incidents = std::filesystem::weakly_canonical(std::filesystem::absolute(home, ec_home), ec_home);
  if (ec_where) return bad_input("--out " + out.string() + ": cannot resolve its folder: " + ec_where.message());
  if (!ec_home && !incidents.empty()) {
    auto [in_home, _] = std::mismatch(incidents.begin(), incidents.end(), where.begin(), where.end());
    if (in_home == incidents.end())
      return bad_input("--out " + out.string() + " is inside the incident home " + home.string() +
                       "; write the report elsewhere (report.write keeps one in the incident)");
  }
  struct stat st {};
  if (::lstat(out.c_str(), &st) != 0) return {};
  if (S_ISLNK(st.st_mode)) return bad_input("--out " + out.string() + " is a symbolic link; name the file itself");
  if (!S_ISREG(st.st_mode)) return bad_input("--out " + out.string() + " exists and is not a regular file");
  if (!overwrite) return bad_input("--out " + out.string() + " exists; --overwrite replaces it");
  return {};
}

int report(const GlobalOptions& globals, const ReportOptions& given) {
  ReportOptions options = given;
  // --json asks every command for JSON: the report's JSON is its document.
  if (globals.json && !options.format_given) options.format = "json";
  if (options.format == "pdf" && options.out.empty())
    return report_error(bad_input("--format pdf needs --out FILE.pdf"));
  ReviewInput review;
  if (!options.review.empty()) {
    auto loaded = load_review_input(options.review);
    if (!loaded) return report_error(loaded.error());
    review = std::move(*loaded);
  }
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  if (!options.out.empty())
    if (auto fits = check_destination(options.out, options.overwrite, env->home); !fits) return report_error(fits.error());
  // A report is made only from a journal whose chain verifies; --force
  // makes one anyway, and every page of it says the journal failed.
  auto loaded = load_incident(*env, options.id, options.force ? JournalTrust::forced : JournalTrust::required);
  if (!loaded) return report_error(loaded.error());
  // Never freed: a long journal is a few hundred thousand small JSON values,
  // and freeing them one by one costs a report of 100,000 records a fifth of
  // its time; the process ends right after and the kernel takes it all back.
  // Held by a global, so it stays reachable (LeakSanitizer sees no leak).
  kept_incident = new LoadedIncident(std::move(*loaded));
  const LoadedIncident* incident = kept_incident;
  ReportJournal journal;
  journal.contents = &incident->contents;
  journal.incident_id = options.id;
  journal.head_witness = incident->chain.head_witness().text();
  journal.verified = incident->chain.breaks == 0;
  journal.verification_problem = incident->chain.first_break;
  journal.description = incident->playbook.description;
  journal.severity = incident->playbook.severity;
  journal.drill = incident->state.drill;
  journal.approvers = &env->config.approvers;
  if (!journal.verified)
    std::cerr << "responder: warning: the journal of " << options.id << " failed verification ("
              << incident->chain.first_break << "); the report says so on every page\n";
  auto built = build_incident_report(journal, review);
  if (!built) return report_error(built.error());
  kept_document = new json::object(std::move(*built));  // never freed, as above
  const json::object* document = kept_document;
  std::string text;
  if (options.format == "json") text = to_json_text(*document) + "\n";
  else if (options.format == "md") text = report_markdown(*document);
  else text = report_html(*document);
  if (options.format == "pdf") {
    if (auto printed = print_report_pdf(text, options.out); !printed) return report_error(printed.error());
    std::cerr << "report written to " << options.out << "\n";
    return kExitSuccess;
  }
  if (options.out.empty()) {
    std::cout << text << std::flush;
    return std::cout ? kExitSuccess : report_error(failure("cannot write the report to standard output"));
  }
  if (auto written = write_file_atomically(options.out, text, 0640); !written) return report_error(written.error());
  std::cerr << "report written to " << options.out << "\n";
  return kExitSuccess;
}

void setup_report(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<ReportOptions>();
  command.add_option("incident", options->id, "incident id")->required()->type_name("ID");
  auto* format = command.add_option("--format", options->format, "md (default), html, json, or pdf (through headless Chromium)")
      ->check(CLI::IsMember({"md", "html", "json", "pdf"}))
      ->type_name("FORMAT");
  command.add_option("-o,--out", options->out, "write the report to FILE (default: standard output; pdf needs it)")
      ->type_name("FILE");
  command.add_option("--review", options->review,
                     "a YAML file of what no journal holds: asset costs per hour, recovery effort, exploited "
                     "weaknesses, questions (README: \"De-escalation and the post-incident report\")")
      ->type_name("FILE");
  command.add_flag("--overwrite", options->overwrite, "replace --out FILE when it exists");
  command.add_flag("--force", options->force,
                   "report from a journal that fails verification; every page then says so");
  command.footer("Examples:\n"
                 "  responder report INC-7 --format html --out INC-7.html --review costs.yaml\n"
                 "  responder report INC-7 --format pdf --out INC-7.pdf");
  action = [options, format, &globals] {
    options->format_given = format->count() > 0;
    return report(globals, *options);
  };
}

const CommandRegistration report_registration{
    {"report", "the post-incident report from the journal alone: md, html (with a timeline), json or pdf", 46,
     setup_report}};

}  // namespace
}  // namespace responder
