#include "responder/report/report_pdf.h"

#include <stdlib.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "responder/child_process.h"
#include "responder/durable_file.h"

namespace responder {

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"})
    if (auto found = resolve_in_path(name); !found.empty()) return found;
  return "";
}

namespace {
// A file:// URL of an absolute path, every byte outside the unreserved set
// and '/' percent-encoded (a '#', '?' or '%' in a folder name is not read as
// a URL part).
std::string file_url(const std::filesystem::path& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path.string()) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}
}  // namespace

Status print_report_pdf(const std::string& html, const std::filesystem::path& pdf) {
  std::string chromium = find_chromium();
  if (chromium.empty())
    return refusal("--format pdf prints the HTML report through headless Chromium, which is not installed: "
                   "apt-get install chromium (or use --format html and print it from a browser)");
  // Beside the PDF, not in /tmp, and not hidden: a Chromium packaged with a
  // private /tmp (a snap) reads only ordinary files of the user's.
  auto parent = std::filesystem::absolute(pdf).parent_path();
  std::string dir_template = (parent / "responder-report-XXXXXX").string();
  if (!::mkdtemp(dir_template.data()))
    return failure("cannot make a temporary directory beside " + pdf.string() + ": " + std::strerror(errno));
  std::filesystem::path dir = dir_template;
  struct Cleanup {
    std::filesystem::path dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  std::filesystem::path page = dir / "report.html", out = dir / "report.pdf";
  {
    std::ofstream file(page, std::ios::binary);
    file << html;
    if (!file.flush()) return failure("cannot write " + page.string());
  }
  // Chromium refuses to run as root inside its sandbox; the page is our own
  // and has no script, so the sandbox is switched off only then. Its profile
  // goes to the private directory, never the user's.
  std::vector<std::string> argv{chromium, "--headless", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer",
                                "--user-data-dir=" + (dir / "profile").string(), "--print-to-pdf=" + out.string()};
  if (::geteuid() == 0) argv.insert(argv.begin() + 1, "--no-sandbox");
  argv.push_back(file_url(page));
  auto run = run_program(argv, {}, std::chrono::seconds(120));
  if (!run) return failure("Chromium did not print the report: " + run.error().message);
  auto bytes = read_text_file(out);
  if (!bytes || bytes->rfind("%PDF-", 0) != 0) return failure(describe_exit(argv, *run) + "; no PDF came out");
  return write_file_atomically(pdf, *bytes, 0640);
}

}  // namespace responder
