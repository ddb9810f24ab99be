// The HTML report printed to PDF by headless Chromium (Debian's `chromium`),
// with the report's own print stylesheet.
#pragma once

#include <filesystem>
#include <string>

#include "responder/result.h"

namespace responder {

// The Chromium program on PATH (chromium, chromium-browser, google-chrome),
// or "" when none is installed.
std::string find_chromium();

// Writes `html` to a private temporary file, has Chromium print it to
// `pdf`, and checks that a PDF came out. Without Chromium: a refusal that
// says how to install it.
Status print_report_pdf(const std::string& html, const std::filesystem::path& pdf);

}  // namespace responder
