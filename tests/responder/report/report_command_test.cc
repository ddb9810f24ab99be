// responder report through the real command line: one journal, three
// formats; the JSON checked against report.schema.json by an independent
// validator (Debian's python3-jsonschema, hence /usr/bin/python3), the HTML
// rendered by headless Chromium.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <regex>

#include "responder/clock.h"
#include "responder/json.h"
#include "tests/responder/engine_lab.h"

using namespace responder;
using namespace responder::testing;

namespace {

// Evidence items are write-once (immutable): even root must clear that
// before the lab can be removed.
struct ReportLab : EngineLab {
  ~ReportLab() { run_process({"chattr", "-R", "-i", "-a", dir.path().string()}); }
};

// A run with two containment changes (one later undone, one left in
// force), an approval, a note and an evidence item.
void run_incident(const ReportLab& lab, const std::string& id, const std::filesystem::path& evidence_file) {
  auto pb = lab.playbook("name: report-lab\ndescription: For the report.\nseverity: important\nstages:\n"
                         "  evaluate:\n    - id: finding\n      module: note.add\n      with: {text: port scan from 203.0.113.7}\n"
                         "  isolate-and-contain:\n" +
                         mark_step(lab, "block", "      approval: 1\n") + mark_step(lab, "isolate") +
                         "  analyze:\n    - id: keep\n      module: evidence.collect\n      with: {paths: [" +
                         evidence_file.string() + "]}\n");
  auto runner = lab.start({"run", pb.string(), "--incident", id});
  wait_until_waiting(lab, id);
  REQUIRE(lab.responder({"approve", id, "block", "--as", "alice"}).exit_code == 0);
  auto ran = runner->wait();
  INFO(ran.out << ran.err);
  REQUIRE(ran.exit_code == 0);
  auto undo = lab.responder({"undo", id, "--step", "block"});
  INFO(undo.out << undo.err);
  REQUIRE(undo.exit_code == 0);
}

double seconds_between(const std::string& a, const std::string& b) {
  auto from = parse_rfc3339(a), to = parse_rfc3339(b);
  REQUIRE(from.ok());
  REQUIRE(to.ok());
  return std::chrono::duration<double>(*to - *from).count();
}

std::string schema_path() { return std::string(RESPONDER_SOURCE_DIR) + "/responder/report/report.schema.json"; }

}  // namespace

TEST_CASE("report: one journal in json, md and html, the json valid against the schema, costs from the journal's times") {
  ReportLab lab;
  auto evidence = lab.dir.write("access.log", "GET /admin 203.0.113.7\n");
  run_incident(lab, "R1", evidence);
  auto review = lab.dir.write("review.yaml",
                              "currency: EUR\nassets:\n  - name: marks host\n    cost_per_hour: 3600\n    match: [" +
                                  lab.marks.string() + "]\neffort:\n  - {by: alice, hours: 2.5, cost_per_hour: 100}\n"
                                  "weaknesses: [\"open admin page\"]\nquestions: [\"why so slow?\"]\n");

  auto json_run = lab.responder({"report", "R1", "--format", "json", "--review", review.string()});
  INFO(json_run.err);
  REQUIRE(json_run.exit_code == 0);
  auto doc = parse_json(json_run.out).as_object();

  // An independent validator, against the schema kept in the repository.
  auto file = lab.dir.write("report.json", json_run.out);
  auto valid = run_process({"/usr/bin/python3", "-c",
                            "import json,sys,jsonschema\n"
                            "s=json.load(open(sys.argv[1]));d=json.load(open(sys.argv[2]))\n"
                            "jsonschema.Draft202012Validator.check_schema(s)\n"
                            "jsonschema.Draft202012Validator(s).validate(d)\nprint('valid')",
                            schema_path(), file.string()});
  INFO(valid.out << valid.err);
  REQUIRE(valid.exit_code == 0);

  CHECK(doc.at("report").at("journal_verified").as_bool());
  CHECK(doc.at("summary").at("outcome").as_string() == "completed");
  CHECK(doc.at("summary").at("playbook").at("severity").as_string() == "important");
  // Every record is in the timeline, in order.
  CHECK(doc.at("timeline").as_array().size() == lab.records("R1").size());

  // Containment: block released by the undo, isolate still in force.
  auto& containment = doc.at("containment").as_array();
  REQUIRE(containment.size() == 2);
  auto block = containment[0].as_object(), isolate = containment[1].as_object();
  CHECK(block.at("step").as_string() == "block");
  CHECK_FALSE(block.at("in_force").as_bool());
  auto undone = lab.records("R1", "step.undone");
  REQUIRE(undone.size() == 1);
  CHECK(block.at("released").as_string() == undone[0].time);
  CHECK(isolate.at("in_force").as_bool());
  CHECK(isolate.at("released").is_null());

  // A change request per containment change, each with its exact backout.
  auto& crs = doc.at("change_requests").as_array();
  REQUIRE(crs.size() == 2);
  CHECK(crs[0].at("backout").as_string().find("responder undo R1 --step block") == 0);
  CHECK(crs[0].at("approved_by").as_array()[0].as_string() == "alice");
  CHECK(crs[0].at("state").as_string().find("backed out at") == 0);
  CHECK(crs[1].at("state").as_string() == "still in force");

  // Evidence: the item's hash is the file's, as sha256sum says.
  auto sum = run_process({"sha256sum", evidence.string()});
  auto& items = doc.at("evidence").at("items").as_array();
  REQUIRE(items.size() == 1);
  CHECK(sum.out.substr(0, 64) == items[0].at("sha256").as_string());
  CHECK(doc.at("evidence").at("seal").is_null());

  // Cost: the asset's downtime is the union of both changes' windows, from
  // the journal's own times; still-in-force runs to the last record.
  auto applied = lab.records("R1", "step.applied");
  std::string block_applied, isolate_applied;
  for (auto& r : applied) {
    if (r.text("step") == "block") block_applied = r.time;
    if (r.text("step") == "isolate") isolate_applied = r.time;
  }
  std::string last = lab.records("R1").back().time;
  double block_end = seconds_between(block_applied, undone[0].time);
  double expected = seconds_between(block_applied, isolate_applied) + seconds_between(isolate_applied, last);
  if (block_end > seconds_between(block_applied, last)) expected = block_end;
  auto& asset = doc.at("cost").at("assets").as_array()[0].as_object();
  CHECK(asset.at("downtime_seconds").to_number<double>() == doctest::Approx(expected).epsilon(0.001));
  CHECK(asset.at("ongoing").as_bool());
  double asset_cost = asset.at("cost").to_number<double>();
  CHECK(std::abs(asset_cost - expected) < 0.006);  // 3600 per hour = 1 per second, in cents
  CHECK(doc.at("cost").at("total").to_number<double>() == doctest::Approx(asset_cost + 250).epsilon(0.001));
  CHECK(doc.at("weaknesses").as_array()[0].as_string() == "open admin page");

  auto open = to_json_text(doc.at("open_items"));
  CHECK(open.find("Still in force: isolate") != std::string::npos);
  CHECK(open.find("not sealed") != std::string::npos);

  auto md = lab.responder({"report", "R1", "--review", review.string()});
  REQUIRE(md.exit_code == 0);
  for (const char* heading : {"## Summary", "## Timeline (UTC)", "## Containment", "## Evidence", "## Change requests",
                              "## Damage and cost", "## Questions for the review"})
    CHECK(md.out.find(heading) != std::string::npos);
  CHECK(md.out.find("STILL IN FORCE") != std::string::npos);
  CHECK(md.out.find(items[0].at("sha256").as_string().c_str()) != std::string::npos);

  auto html_file = lab.dir / "report.html";
  auto html = lab.responder({"report", "R1", "--format", "html", "--out", html_file.string(), "--review", review.string()});
  REQUIRE(html.exit_code == 0);
  auto page = slurp(html_file);
  CHECK(page.find("<svg class=\"timeline\"") != std::string::npos);
  CHECK(page.find("class=\"containment\"") != std::string::npos);
  CHECK(page.find("@media print") != std::string::npos);
  // Self-contained: nothing is fetched from anywhere.
  CHECK_FALSE(std::regex_search(page, std::regex(R"((src|href)\s*=\s*["']?\s*(https?:|//))", std::regex::icase)));
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("http:") == std::string::npos);
  CHECK(page.find("https:") == std::string::npos);
  CHECK(page.find("Content-Security-Policy\" content=\"default-src 'none'") != std::string::npos);
}

TEST_CASE("report: the HTML renders in headless Chromium to a picture that is not blank, with no console error") {
  auto chromium = run_process({"sh", "-c", "command -v chromium || command -v chromium-browser"});
  if (chromium.exit_code != 0) {
    MESSAGE("skipped: Chromium is not installed (setup.sh installs Debian's chromium)");
    return;
  }
  ReportLab lab;
  auto evidence = lab.dir.write("access.log", "x\n");
  run_incident(lab, "R2", evidence);
  auto html_file = lab.dir / "report.html";
  REQUIRE(lab.responder({"report", "R2", "--format", "html", "--out", html_file.string()}).exit_code == 0);
  auto shot = lab.dir / "shot.png";
  std::string binary = chromium.out.substr(0, chromium.out.find('\n'));
  auto render = run_process({binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                             "--user-data-dir=" + (lab.dir / "profile").string(), "--enable-logging=stderr", "--v=0",
                             "--window-size=1200,1600", "--screenshot=" + shot.string(), "file://" + html_file.string()});
  INFO(render.err);
  REQUIRE(std::filesystem::exists(shot));
  // Console messages are logged as CONSOLE(...) lines; the page has none.
  CHECK(render.err.find("CONSOLE") == std::string::npos);
  // Not blank: many colours, and the timeline's bar colours among them.
  auto colours = run_process({"/usr/bin/python3", "-c",
                              "import sys\nfrom PIL import Image\n"
                              "im=Image.open(sys.argv[1]).convert('RGB')\n"
                              "c=im.getcolors(1<<24)\n"
                              "print(len(c))\n"
                              "print(int(any(abs(r-0x2e)<6 and abs(g-0x8b)<6 and abs(b-0x57)<6 for n,(r,g,b) in c)))",
                              shot.string()});
  INFO(colours.out << colours.err);
  REQUIRE(colours.exit_code == 0);
  auto nl = colours.out.find('\n');
  CHECK(std::stoi(colours.out.substr(0, nl)) > 50);
  CHECK(colours.out.substr(nl + 1, 1) == "1");  // a green step bar was drawn

  // A folder name a URL would misread.
  std::filesystem::create_directory(lab.dir / "incident #2 100%");
  auto pdf = lab.dir / "incident #2 100%" / "report.pdf";
  auto printed = lab.responder({"report", "R2", "--format", "pdf", "--out", pdf.string()});
  INFO(printed.err);
  REQUIRE(printed.exit_code == 0);
  CHECK(slurp(pdf).rfind("%PDF-", 0) == 0);
  // Its scratch directory is gone.
  std::size_t entries = 0;
  for (auto& e : std::filesystem::directory_iterator(pdf.parent_path())) entries += e.exists();
  CHECK(entries == 1);
}

TEST_CASE("report: a tampered journal is refused naming the record, and --force marks every format as unverified") {
  ReportLab lab;
  auto evidence = lab.dir.write("access.log", "x\n");
  run_incident(lab, "R3", evidence);
  replace_in_line(lab.journal("R3"), 4, "port scan", "port scam");
  auto refused = lab.responder({"report", "R3"});
  CHECK(refused.exit_code == 3);
  CHECK(refused.err.find("record") != std::string::npos);
  CHECK(refused.out.empty());

  auto md = lab.responder({"report", "R3", "--force"});
  REQUIRE(md.exit_code == 0);
  CHECK(md.out.rfind("# Incident R3", 0) == 0);
  auto first = md.out.find("UNVERIFIED JOURNAL"), last = md.out.rfind("UNVERIFIED JOURNAL");
  CHECK(first < 200);
  CHECK(last > md.out.size() - 400);
  auto json_run = lab.responder({"report", "R3", "--force", "--format", "json"});
  REQUIRE(json_run.exit_code == 0);
  auto doc = parse_json(json_run.out).as_object();
  CHECK_FALSE(doc.at("report").at("journal_verified").as_bool());
  CHECK(doc.at("open_items").as_array()[0].as_string().find("failed verification") != std::string::npos);
  auto html_file = lab.dir / "r.html";
  REQUIRE(lab.responder({"report", "R3", "--force", "--format", "html", "--out", html_file.string()}).exit_code == 0);
  // Times no clock can hold (an edited year) still render, as unreadable.
  replace_in_line(lab.journal("R3"), 3, "\"time\":\"2", "\"time\":\"9");
  auto far = lab.responder({"report", "R3", "--force", "--format", "html", "--out", (lab.dir / "far.html").string()});
  CHECK(far.exit_code == 0);
  auto page = slurp(html_file);
  CHECK(page.find("<div class=\"unverified\">") != std::string::npos);
  // Printed, the banner is fixed: on every page.
  CHECK(page.find(".unverified { position: fixed") != std::string::npos);
}

TEST_CASE("report: bad input is exit 2 with FILE:LINE:COL, and nothing is written") {
  ReportLab lab;
  auto pb = lab.playbook("name: r\nstages:\n  evaluate:\n    - id: n\n      module: note.add\n      with: {text: hi}\n");
  REQUIRE(lab.responder({"run", pb.string(), "--incident", "R4"}).exit_code == 0);
  auto review = lab.dir.write("review.yaml", "assets:\n  - name: web01\n    cost_per_huor: 10\n");
  auto out = lab.dir / "never.md";
  auto bad = lab.responder({"report", "R4", "--review", review.string(), "--out", out.string()});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find(review.string() + ":3:") != std::string::npos);
  CHECK(bad.err.find("did you mean 'cost_per_hour'") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(out));
  auto negative = lab.dir.write("neg.yaml", "effort:\n  - {by: a, hours: -1, cost_per_hour: 1}\n");
  auto neg = lab.responder({"report", "R4", "--review", negative.string()});
  CHECK(neg.exit_code == 2);
  CHECK(neg.err.find("neg.yaml:2:") != std::string::npos);
  CHECK(lab.responder({"report", "R4", "--format", "pdf"}).exit_code == 2);
  CHECK(lab.responder({"report", "nope"}).exit_code == 2);
  // Without Chromium on PATH, pdf says how to get it.
  auto no_chromium = lab.responder({"report", "R4", "--format", "pdf", "--out", (lab.dir / "x.pdf").string()},
                                   {"PATH=/nonexistent"});
  CHECK(no_chromium.exit_code == 3);
  CHECK(no_chromium.err.find("apt-get install chromium") != std::string::npos);
}

TEST_CASE("report.write in a run writes the report as the journal stands, as new files, and registers its figures") {
  ReportLab lab;
  lab.dir.write("costs.yaml", "assets:\n  - {name: marks, cost_per_hour: 10, match: [" + lab.marks.string() + "]}\n");
  auto pb = lab.playbook("name: rw\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "isolate") +
                         "  de-escalation:\n"
                         "    - id: write-report\n      module: report.write\n"
                         "      with: {format: [md, json], review: costs.yaml}\n      register: rep\n"
                         "    - id: say\n      module: note.add\n"
                         "      with: {text: \"open items {{ rep.open_items }}, in force {{ rep.still_in_force }}\"}\n");
  auto run = lab.responder({"run", pb.string(), "--incident", "W1"});
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  auto reports = lab.dir / "incidents" / "W1" / "reports";
  std::vector<std::string> names;
  for (auto& e : std::filesystem::directory_iterator(reports)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  REQUIRE(names.size() == 2);
  CHECK(names[0].rfind("write-report-", 0) == 0);
  CHECK(names[0].substr(names[0].size() - 5) == ".json");
  CHECK(names[1].substr(names[1].size() - 3) == ".md");
  auto doc = parse_json(slurp(reports / names[0])).as_object();
  // The journal as it stood when the step ran: the containment step's
  // receipt is in it, and so is this step's own start.
  CHECK(doc.at("containment").as_array().size() == 1);
  bool saw_own_start = false;
  for (auto& e : doc.at("timeline").as_array())
    saw_own_start = saw_own_start || (e.at("kind").as_string() == "step.started" && e.at("step").as_string() == "write-report");
  CHECK(saw_own_start);
  CHECK(doc.at("cost").at("assets").as_array()[0].at("name").as_string() == "marks");
  // The latest report is also report.<format> beside the journal.
  CHECK(slurp(lab.dir / "incidents" / "W1" / "report.json") == slurp(reports / names[0]));
  CHECK_FALSE(std::filesystem::exists(lab.dir / "incidents" / "W1" / "report.html"));
  // Its figures reached a later step, and the files' hashes are journaled.
  auto notes = lab.records("W1", "step.applied");
  CHECK(to_json_text(notes.back().fields.at("receipt")).find("open items 2, in force 1") != std::string::npos);
  auto receipt = notes[notes.size() - 2].fields.at("receipt").at("output").as_object();
  auto sum = run_process({"sha256sum", (reports / names[1]).string()});
  CHECK(sum.out.substr(0, 64) == receipt.at("files").at("md").at("sha256").as_string());

  auto bad = lab.playbook("name: rw\nstages:\n  de-escalation:\n    - id: r\n      module: report.write\n"
                          "      with: {format: [pdf]}\n");
  auto refused = lab.responder({"run", bad.string(), "--incident", "W2"});
  CHECK(refused.exit_code == 2);
  CHECK(refused.err.find(bad.string() + ":6:") != std::string::npos);
  CHECK(refused.err.find("'pdf' is not one of: md, html, json") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(lab.dir / "incidents" / "W2"));
}

TEST_CASE("report: --out never replaces the journal, a device, a link, or a file without --overwrite") {
  ReportLab lab;
  auto pb = lab.playbook("name: r\nstages:\n  evaluate:\n    - id: n\n      module: note.add\n      with: {text: hi}\n");
  REQUIRE(lab.responder({"run", pb.string(), "--incident", "R6"}).exit_code == 0);
  std::string journal = slurp(lab.journal("R6"));
  auto into_journal = lab.responder({"report", "R6", "--format", "json", "--out", lab.journal("R6").string(), "--overwrite"});
  CHECK(into_journal.exit_code == 2);
  CHECK(into_journal.err.find("inside the incident home") != std::string::npos);
  CHECK(slurp(lab.journal("R6")) == journal);
  auto device = lab.responder({"report", "R6", "--out", "/dev/null"});
  CHECK(device.exit_code == 2);
  CHECK(device.err.find("not a regular file") != std::string::npos);
  auto existing = lab.dir.write("kept.md", "do not lose me\n");
  std::filesystem::create_symlink(existing, lab.dir / "link.md");
  auto link = lab.responder({"report", "R6", "--out", (lab.dir / "link.md").string(), "--overwrite"});
  CHECK(link.exit_code == 2);
  CHECK(link.err.find("symbolic link") != std::string::npos);
  auto again = lab.responder({"report", "R6", "--out", existing.string()});
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("--overwrite") != std::string::npos);
  CHECK(slurp(existing) == "do not lose me\n");
  REQUIRE(lab.responder({"report", "R6", "--out", existing.string(), "--overwrite"}).exit_code == 0);
  CHECK(slurp(existing).find("# ") == 0);
  // --json, as for every command, gives the JSON document.
  auto as_json = lab.responder({"--json", "report", "R6"});
  REQUIRE(as_json.exit_code == 0);
  CHECK(parse_json(as_json.out).as_object().contains("timeline"));
}

TEST_CASE("report: a review that is a device, a FIFO or a directory is refused at once, nothing read") {
  ReportLab lab;
  auto pb = lab.playbook("name: r\nstages:\n  evaluate:\n    - id: n\n      module: note.add\n      with: {text: hi}\n");
  REQUIRE(lab.responder({"run", pb.string(), "--incident", "R7"}).exit_code == 0);
  auto fifo = lab.dir / "review.fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (std::string review : {std::string("/dev/zero"), fifo.string(), lab.dir.path().string()}) {
    INFO(review);
    auto r = lab.responder({"report", "R7", "--review", review});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(review) != std::string::npos);
  }
}

TEST_CASE("report: a second approval by the same person is shown, not counted, as the runner counts it") {
  ReportLab lab;
  auto pb = lab.playbook("name: r\nstages:\n  isolate-and-contain:\n" + mark_step(lab, "block", "      approval: 2\n"));
  auto runner = lab.start({"run", pb.string(), "--incident", "R8"});
  wait_until_waiting(lab, "R8");
  REQUIRE(lab.responder({"approve", "R8", "block", "--as", "alice"}).exit_code == 0);
  lab.responder({"approve", "R8", "block", "--as", "alice"});
  REQUIRE(lab.responder({"approve", "R8", "block", "--as", "bob"}).exit_code == 0);
  REQUIRE(runner->wait().exit_code == 0);
  auto json_run = lab.responder({"report", "R8", "--format", "json"});
  REQUIRE(json_run.exit_code == 0);
  auto approvals = parse_json(json_run.out).as_object().at("approvals").as_array();
  std::vector<std::pair<std::string, bool>> seen;
  for (auto& a : approvals)
    seen.emplace_back(std::string(a.at("by").as_string()), a.at("counted").is_bool() && a.at("counted").as_bool());
  INFO(json_run.out);
  CHECK(std::count(seen.begin(), seen.end(), std::make_pair(std::string("alice"), true)) == 1);
  CHECK(std::count(seen.begin(), seen.end(), std::make_pair(std::string("bob"), true)) == 1);
}
