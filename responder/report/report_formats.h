// The report document (incident_report.h) rendered for people.
//
// Both renderings show only what the document holds. A document whose
// journal failed verification (report.journal_verified false, a report made
// with --force) says so at the top and bottom of the Markdown and on every
// printed page of the HTML.
#pragma once

#include <string>

#include "responder/json.h"

namespace responder {

// GitHub-flavoured Markdown: headings, tables and lists.
std::string report_markdown(const json::object& report);

// One self-contained HTML page: inline CSS and an inline SVG timeline
// (stages as lanes, steps as bars, containment windows shaded), no script,
// no external reference, and a print stylesheet.
std::string report_html(const json::object& report);

}  // namespace responder
