#include <algorithm>
#include <cstdio>
#include <sstream>

#include "responder/clock.h"
#include "responder/report/report_fields.h"
#include "responder/report/report_formats.h"

namespace responder {
namespace {

using namespace report_fields;

std::string esc(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t') out += ' ';
        else out += static_cast<char>(c);
    }
  }
  return out;
}

std::optional<double> ms(const std::string& time) {
  auto t = rfc3339_to_unix_ms(time);
  if (!t) return std::nullopt;
  return static_cast<double>(*t);
}

std::string num(double v) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1f", v);
  return out;
}

const char* kStyle = R"(
:root { --ink:#1d2430; --muted:#5b6675; --line:#d8dee6; --ok:#2e8b57; --fail:#c0392b; --skip:#9aa5b1;
        --undone:#3b6fb6; --contain:rgba(192,57,43,.13); --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { font: 14px/1.45 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink); margin: 0; background: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 15px; margin: 18px 0 6px; }
.sub { color: var(--muted); margin: 0 0 18px; }
.unverified { background: #7f1d1d; color: #fff; padding: 10px 16px; font-weight: bold; }
.drill { display: inline-block; background: #6b46c1; color: #fff; border-radius: 4px; padding: 1px 8px; font-size: 13px; vertical-align: middle; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 12px 0; }
.card { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
.card b { display: block; font-size: 20px; }
.card span { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card.alert b { color: var(--fail); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
td.hash { overflow-wrap: anywhere; }
td.t { white-space: nowrap; }
th { background: var(--bg); }
td.hash { font-family: "DejaVu Sans Mono", monospace; font-size: 11px; }
.status-failed, .in-force { color: var(--fail); font-weight: bold; }
.status-verified, .status-applied { color: var(--ok); }
.status-undone { color: var(--undone); }
ul { margin: 4px 0 8px 20px; padding: 0; }
.cr { border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 8px; margin: 10px 0; page-break-inside: avoid; }
.cr dl { display: grid; grid-template-columns: 150px 1fr; gap: 2px 10px; margin: 6px 0; }
.cr dt { color: var(--muted); }
.cr dd { margin: 0; }
svg.timeline { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; }
.legend { color: var(--muted); font-size: 12px; margin: 4px 0 0; }
.legend i { display: inline-block; width: 12px; height: 10px; margin: 0 4px 0 12px; vertical-align: middle; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; border-top: 1px solid var(--line); padding-top: 8px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  main { max-width: none; padding: 0; }
  body { font-size: 11px; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { page-break-after: avoid; }
  tr, .card, svg.timeline { page-break-inside: avoid; }
  .unverified { position: fixed; top: 0; left: 0; right: 0; }
  .unverified + main { padding-top: 40px; }
}
)";

std::string duration_text_of(double millis) {
  json::value seconds = millis / 1000.0;
  return duration_text(&seconds);
}

// Time to x: linear, except that quiet gaps longer than a minute and than
// 15% of the whole are drawn 36 px wide.
class TimeScale {
 public:
  struct Segment {
    double t0, t1, x0, x1;
    bool collapsed;
  };

  TimeScale(std::vector<double> moments, double left, double width) {
    std::sort(moments.begin(), moments.end());
    moments.erase(std::unique(moments.begin(), moments.end()), moments.end());
    double total = std::max(moments.back() - moments.front(), 1.0);
    const double gap_width = 36, threshold = std::max(60000.0, 0.15 * total);
    double quiet = 0;
    int gaps = 0;
    for (std::size_t i = 1; i < moments.size(); ++i)
      if (moments[i] - moments[i - 1] > threshold) {
        quiet += moments[i] - moments[i - 1];
        ++gaps;
      }
    double active = std::max(total - quiet, 1000.0);
    double per_ms = std::max(width - gaps * gap_width, width * 0.3) / active;
    double x = left, t = moments.front();
    for (std::size_t i = 1; i < moments.size(); ++i) {
      double d = moments[i] - moments[i - 1];
      if (d > threshold) {
        if (moments[i - 1] > t) segments_.push_back({t, moments[i - 1], x, x + (moments[i - 1] - t) * per_ms, false});
        x = segments_.empty() ? x : segments_.back().x1;
        segments_.push_back({moments[i - 1], moments[i], x, x + gap_width, true});
        x += gap_width;
        t = moments[i];
      }
    }
    if (segments_.empty() || moments.back() > t || segments_.back().collapsed)
      segments_.push_back({t, std::max(moments.back(), t), x, x + (moments.back() - t) * per_ms, false});
    // Every stretch of activity gets at least 120 px, however short it was
    // next to the others; then the whole axis is fitted to `width`.
    double fixed = 0, free = 0;
    for (auto& s : segments_) {
      double w = s.x1 - s.x0;
      if (s.collapsed) fixed += w;
      else free += std::max(w, 120.0);
    }
    double factor = free > 0 ? std::max(width - fixed, width * 0.3) / free : 1;
    double at = left;
    for (auto& s : segments_) {
      double w = s.collapsed ? s.x1 - s.x0 : std::max(s.x1 - s.x0, 120.0) * factor;
      s.x0 = at;
      s.x1 = at + w;
      at += w;
    }
  }

  double x(double t) const {
    for (auto& s : segments_)
      if (t <= s.t1) {
        if (t <= s.t0 || s.t1 <= s.t0) return s.x0;
        return s.x0 + (t - s.t0) / (s.t1 - s.t0) * (s.x1 - s.x0);
      }
    return segments_.back().x1;
  }
  const std::vector<Segment>& segments() const { return segments_; }

 private:
  std::vector<Segment> segments_;
};

// The timeline chart: one lane per stage, a bar per step (planned or
// started until its last record), containment windows shaded across all
// lanes, a UTC time axis.
std::string timeline_svg(const json::object& report) {
  const auto& summary = object(report, "summary");
  const auto& stages = array(report, "stages");
  const auto& steps = array(report, "steps");
  auto first = ms(text(summary, "first_record"));
  auto last = ms(text(summary, "last_record"));
  if (!first || !last) return "<p>No timeline: the journal's times could not be read.</p>";
  std::vector<std::string> lanes;
  for (auto& s : stages)
    if (s.is_object()) lanes.push_back(text(s.as_object(), "name"));
  for (auto& s : steps)
    if (s.is_object() && std::find(lanes.begin(), lanes.end(), text(s.as_object(), "stage")) == lanes.end())
      lanes.push_back(text(s.as_object(), "stage"));
  if (lanes.empty()) return "<p>No step ran.</p>";
  // Each lane is as tall as the most steps it holds at once would need;
  // steps of a lane are stacked in rows so that none hides another.
  const double left = 170, width = 1040, right = 20, top = 24, row_height = 16, lane_pad = 8;
  double plot = width - left - right;
  std::vector<double> moments{*first, *last};
  for (auto& s : steps)
    if (s.is_object())
      for (const char* k : {"planned", "started", "applied", "verified", "failed", "skipped", "undone"})
        if (auto t = ms(text(s.as_object(), k))) moments.push_back(*t);
  for (auto& c : array(report, "containment"))
    if (c.is_object())
      for (const char* k : {"applied", "released"})
        if (auto t = ms(text(c.as_object(), k))) moments.push_back(*t);
  TimeScale scale(moments, left, plot);
  auto x = [&](double t) { return scale.x(t); };
  struct Bar {
    double from, to;
    std::string label, title, css;
  };
  std::vector<std::vector<Bar>> by_lane(lanes.size());
  for (auto& s : steps) {
    if (!s.is_object()) continue;
    const auto& o = s.as_object();
    std::string stage = text(o, "stage");
    auto lane = std::find(lanes.begin(), lanes.end(), stage) - lanes.begin();
    auto begin = ms(text(o, "started").empty() ? text(o, "planned") : text(o, "started"));
    if (!begin) begin = ms(text(o, "skipped"));
    if (!begin) continue;
    double end = *begin;
    for (const char* k : {"applied", "verified", "failed", "skipped"})
      if (auto t = ms(text(o, k)); t && *t > end) end = *t;
    std::string status = text(o, "status");
    std::string host = text(o, "host");
    std::string label = text(o, "step") + (host.empty() ? "" : "@" + host);
    by_lane[lane].push_back({*begin, end, label,
                             label + " (" + text(o, "module") + "): " + status +
                                 (text(o, "error").empty() ? "" : " — " + text(o, "error")),
                             status});
  }
  std::vector<int> rows(lanes.size(), 1);
  std::vector<std::vector<int>> row_of(lanes.size());
  for (std::size_t l = 0; l < lanes.size(); ++l) {
    std::vector<double> row_end;
    for (auto& b : by_lane[l]) {
      double px_from = x(b.from), px_to = std::max(x(b.to), px_from + 4);
      double label = 6.0 * static_cast<double>(b.label.size()) + 6;
      // Where the bar and its label go (the label before the bar near the
      // right edge, as drawn below).
      double occupied_from = px_to + label > width ? px_from - label : px_from;
      double occupied_to = px_to + label > width ? px_to : px_to + label;
      // At most kMaxRows rows a lane: past that, bars share the last row
      // (thousands of hosts of one step stay a chart, not a wall).
      constexpr std::size_t kMaxRows = 12;
      std::size_t r = 0;
      while (r < row_end.size() && row_end[r] > occupied_from - 2) ++r;
      if (r == kMaxRows) r = kMaxRows - 1;
      if (r == row_end.size()) row_end.push_back(0);
      row_end[r] = std::max(row_end[r], occupied_to);
      row_of[l].push_back(static_cast<int>(r));
    }
    rows[l] = std::max<int>(1, static_cast<int>(row_end.size()));
  }
  std::vector<double> lane_top(lanes.size());
  double y = top;
  for (std::size_t l = 0; l < lanes.size(); ++l) {
    lane_top[l] = y;
    y += rows[l] * row_height + 2 * lane_pad;
  }
  double height = y + 40;
  std::ostringstream svg;
  svg << "<svg class=\"timeline\" role=\"img\" aria-label=\"Incident timeline\" "
         "viewBox=\"0 0 "
      << num(width) << " " << num(height) << "\" width=\"" << num(width) << "\" height=\"" << num(height) << "\">";
  for (std::size_t l = 0; l < lanes.size(); ++l) {
    double h = rows[l] * row_height + 2 * lane_pad;
    svg << "<rect x=\"0\" y=\"" << num(lane_top[l]) << "\" width=\"" << num(width) << "\" height=\"" << num(h)
        << "\" fill=\"" << (l % 2 ? "#ffffff" : "#f3f5f8") << "\"/>";
    svg << "<text x=\"8\" y=\"" << num(lane_top[l] + h / 2 + 4) << "\" font-size=\"12\" fill=\"#1d2430\">"
        << esc(lanes[l]) << "</text>";
  }
  // Quiet gaps, drawn narrow: a band, a break mark on the axis, how long.
  for (auto& segment : scale.segments()) {
    if (!segment.collapsed) continue;
    svg << "<rect class=\"gap\" x=\"" << num(segment.x0) << "\" y=\"" << num(top) << "\" width=\""
        << num(segment.x1 - segment.x0) << "\" height=\"" << num(y - top) << "\" fill=\"#e9edf2\"/>";
    svg << "<path d=\"M" << num(segment.x0 + 10) << " " << num(y - 5) << " l6 10 M" << num(segment.x0 + 18) << " "
        << num(y - 5) << " l6 10\" stroke=\"#5b6675\"/>";
    svg << "<text x=\"" << num((segment.x0 + segment.x1) / 2) << "\" y=\"" << num(y + 30)
        << "\" font-size=\"9\" fill=\"#5b6675\" text-anchor=\"middle\">" << esc(duration_text_of(segment.t1 - segment.t0))
        << " quiet</text>";
  }
  // Containment windows over every lane: when the change was in force.
  for (auto& c : array(report, "containment")) {
    if (!c.is_object()) continue;
    const auto& o = c.as_object();
    auto from = ms(text(o, "applied"));
    auto to = flag(o, "in_force") ? last : ms(text(o, "released"));
    if (!from || !to) continue;
    double x0 = x(*from), x1 = std::max(x(*to), x0 + 2);
    svg << "<rect class=\"containment\" x=\"" << num(x0) << "\" y=\"" << num(top) << "\" width=\"" << num(x1 - x0)
        << "\" height=\"" << num(y - top) << "\" fill=\"rgba(192,57,43,0.13)\" stroke=\"#c0392b\" stroke-dasharray=\"3 3\">"
        << "<title>" << esc(text(o, "step") + (text(o, "host").empty() ? "" : "@" + text(o, "host")) + " in force " +
                            text(o, "applied") + " – " + (flag(o, "in_force") ? "still in force" : text(o, "released")))
        << "</title></rect>";
  }
  for (std::size_t l = 0; l < lanes.size(); ++l) {
    for (std::size_t i = 0; i < by_lane[l].size(); ++i) {
      const Bar& b = by_lane[l][i];
      double bx = x(b.from), bw = std::max(x(b.to) - bx, 4.0);
      double by = lane_top[l] + lane_pad + row_of[l][i] * row_height;
      std::string fill = b.css == "failed" ? "#c0392b" : b.css == "skipped" ? "#9aa5b1" : b.css == "undone" ? "#3b6fb6"
                         : (b.css == "verified" || b.css == "applied") ? "#2e8b57" : "#e0a800";
      svg << "<g class=\"step\"><title>" << esc(b.title) << "</title><rect x=\"" << num(bx) << "\" y=\"" << num(by + 2)
          << "\" width=\"" << num(bw) << "\" height=\"" << num(row_height - 5) << "\" rx=\"2\" fill=\"" << fill << "\"/>";
      // A label that would run past the chart's edge goes before its bar.
      bool before = bx + bw + 6.0 * static_cast<double>(b.label.size()) + 6 > width;
      svg << "<text x=\"" << num(before ? bx - 3 : bx + bw + 3) << "\" y=\"" << num(by + row_height - 5)
          << "\" font-size=\"10\" fill=\"#1d2430\"" << (before ? " text-anchor=\"end\"" : "") << ">" << esc(b.label)
          << "</text></g>";
    }
  }
  // The axis, UTC; a long quiet gap (an approval waited for, say) is
  // drawn narrow and labelled with how long it was, so that the minutes of
  // activity around it stay readable.
  svg << "<line x1=\"" << num(left) << "\" y1=\"" << num(y) << "\" x2=\"" << num(left + plot) << "\" y2=\"" << num(y)
      << "\" stroke=\"#5b6675\"/>";
  double last_tick = -1000;
  auto tick = [&](double t, double tx, const char* anchor) {
    if (tx - last_tick < 64) return;
    last_tick = tx;
    auto when = format_rfc3339(SystemTime(std::chrono::milliseconds(static_cast<std::int64_t>(t))));
    std::string label = when.size() >= 19 ? when.substr(11, 8) : when;
    svg << "<line x1=\"" << num(tx) << "\" y1=\"" << num(top) << "\" x2=\"" << num(tx) << "\" y2=\"" << num(y + 4)
        << "\" stroke=\"#d8dee6\"/>";
    svg << "<text x=\"" << num(tx) << "\" y=\"" << num(y + 18) << "\" font-size=\"11\" fill=\"#5b6675\" text-anchor=\""
        << anchor << "\">" << esc(label) << "</text>";
  };
  for (auto& segment : scale.segments()) {
    if (segment.collapsed) continue;
    tick(segment.t0, segment.x0, segment.x0 <= left + 1 ? "start" : "middle");
  }
  if (!scale.segments().empty()) {
    const auto& end = scale.segments().back();
    if (left + plot - last_tick >= 64) {
      last_tick = -1000;
      tick(end.t1, end.x1, "end");
    }
  }
  svg << "</svg>";
  return svg.str();
}

// A journal time in a table: "21:03:15.930" on the incident's first day,
// "12-04 21:03:15.930" on a later one; the full time is in the JSON.
std::string clock(const std::string& time, const std::string& day) {
  if (time.size() < 23) return time;
  std::string hms = time.substr(11, 12);
  return time.compare(0, 10, day) == 0 ? hms : time.substr(5, 5) + " " + hms;
}

void table_head(std::ostringstream& out, const std::vector<std::string>& headers) {
  out << "<table><thead><tr>";
  for (auto& h : headers) out << "<th>" << esc(h) << "</th>";
  out << "</tr></thead><tbody>";
}

void table_row(std::ostringstream& out, const std::vector<std::pair<std::string, std::string>>& cells) {
  out << "<tr>";
  for (auto& [css, value] : cells)
    out << "<td" << (css.empty() ? "" : " class=\"" + css + "\"") << ">" << (value.empty() ? "—" : esc(value)) << "</td>";
  out << "</tr>";
}

}  // namespace

std::string report_html(const json::object& report) {
  std::ostringstream out;
  const auto& meta = object(report, "report");
  const auto& summary = object(report, "summary");
  const auto& playbook = object(summary, "playbook");
  const auto& counts = object(summary, "counts");
  const auto& cost = object(report, "cost");
  bool verified = flag(meta, "journal_verified");
  std::string id = text(summary, "incident");
  std::string currency = text(cost, "currency");
  std::string day = text(summary, "opened").substr(0, 10);
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      // Nothing but the page's own styles, whatever a journal's text held.
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      << "<title>Incident " << esc(id) << " — post-incident report</title><style>" << kStyle << "</style></head><body>";
  if (!verified)
    out << "<div class=\"unverified\">UNVERIFIED JOURNAL — made with --force from a journal that failed verification: "
        << esc(text(meta, "journal_problem")) << ". Nothing in this report can be trusted.</div>";
  out << "<main><h1>Incident " << esc(id) << " — post-incident report"
      << (flag(summary, "drill") ? " <span class=\"drill\">DRILL</span>" : "") << "</h1>";
  out << "<p class=\"sub\">Playbook <b>" << esc(text(playbook, "name")) << "</b>"
      << (text(playbook, "severity").empty() ? "" : ", severity " + esc(text(playbook, "severity"))) << " · opened "
      << esc(text(summary, "opened")) << " by " << esc(text(summary, "opened_by")) << " on " << esc(text(summary, "controller"))
      << " · outcome <b>" << esc(text(summary, "outcome")) << "</b></p>";
  if (!text(playbook, "description").empty()) out << "<p>" << esc(text(playbook, "description")) << "</p>";

  auto card = [&](const std::string& value, const std::string& label, bool alert = false) {
    out << "<div class=\"card" << (alert ? " alert" : "") << "\"><b>" << esc(value) << "</b><span>" << esc(label) << "</span></div>";
  };
  out << "<div class=\"cards\">";
  card(duration_text(field(summary, "duration_seconds")), "duration");
  card(text(counts, "applied") + " / " + text(counts, "steps"), "steps applied");
  card(text(counts, "failed"), "failed", text(counts, "failed") != "0");
  card(text(counts, "containment_changes"), "containment changes");
  card(text(counts, "still_in_force"), "still in force", text(counts, "still_in_force") != "0");
  card(text(counts, "evidence_items"), "evidence items");
  card(money(field(cost, "total")) + " " + currency, "cost");
  out << "</div>";

  out << "<h2>Timeline</h2>" << timeline_svg(report)
      << "<p class=\"legend\">UTC, from " << esc(day) << " · <i style=\"background:#2e8b57\"></i>applied <i style=\"background:#c0392b\"></i>failed"
         " <i style=\"background:#3b6fb6\"></i>undone <i style=\"background:#9aa5b1\"></i>skipped"
         " <i style=\"background:#e0a800\"></i>unfinished <i style=\"background:rgba(192,57,43,.25);border:1px dashed #c0392b\">"
         "</i>containment in force</p>";

  if (const auto* score = field(summary, "drill_score"); score && score->is_object()) {
    const auto& o = score->as_object();
    out << "<h2>Drill score</h2><p>Scenario <b>" << esc(text(o, "scenario")) << "</b>, scored " << esc(text(o, "scored"))
        << ": <b>" << (flag(o, "passed") ? "passed" : "failed") << "</b>. Times are from the journal and the lab's own counters.</p><ul>";
    for (auto& line : array(o, "lines"))
      if (line.is_string()) out << "<li>" << esc(std::string(line.get_string())) << "</li>";
    out << "</ul>";
  }
  out << "<h2>Open items</h2>";
  const auto& open = array(report, "open_items");
  if (open.empty()) out << "<p>None.</p>";
  else {
    out << "<ul>";
    for (auto& i : open) out << "<li>" << esc(i.is_string() ? std::string(i.as_string()) : display(i)) << "</li>";
    out << "</ul>";
  }

  out << "<h2>Containment</h2>";
  const auto& containment = array(report, "containment");
  if (containment.empty()) out << "<p>Nothing was contained.</p>";
  else {
    table_head(out, {"step", "host", "what", "in effect", "released", "for"});
    for (auto& e : containment) {
      if (!e.is_object()) continue;
      const auto& o = e.as_object();
      bool held = flag(o, "in_force");
      std::string released = held ? "STILL IN FORCE" : clock(text(o, "released"), day);
      if (!text(o, "undo_error").empty()) released += " (undo failed: " + text(o, "undo_error") + ")";
      table_row(out, {{"", text(o, "step")}, {"", text(o, "host")}, {"", joined(array(o, "changes"))},
                      {"t", clock(text(o, "applied"), day)}, {held ? "in-force" : "", released},
                      {"", duration_text(field(o, "seconds")) + (held ? " so far" : "")}});
    }
    out << "</tbody></table>";
  }

  out << "<h2>Steps</h2>";
  table_head(out, {"step", "host", "stage", "module", "status", "applied", "changes"});
  for (auto& e : array(report, "steps")) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    std::string status = text(o, "status");
    std::string shown = status + (text(o, "error").empty() ? "" : ": " + text(o, "error"));
    table_row(out, {{"", text(o, "step")}, {"", text(o, "host")}, {"", text(o, "stage")}, {"", text(o, "module")},
                    {"status-" + status, shown}, {"t", clock(text(o, "applied"), day)}, {"", joined(array(o, "changes"))}});
  }
  out << "</tbody></table>";

  out << "<h2>Approvals</h2>";
  const auto& approvals = array(report, "approvals");
  if (approvals.empty()) out << "<p>No step needed approval.</p>";
  else {
    table_head(out, {"step", "by", "time", "authenticated", "counted"});
    for (auto& e : approvals) {
      if (!e.is_object()) continue;
      const auto& o = e.as_object();
      std::string counted = text(o, "counted").empty() ? "not checked"
                                                       : (flag(o, "counted") ? "yes" : "no: " + text(o, "refused_because"));
      table_row(out, {{"", text(o, "step")}, {"", text(o, "by")}, {"t", clock(text(o, "time"), day)},
                      {"", flag(o, "authenticated") ? "yes" : "no"}, {"", counted}});
    }
    out << "</tbody></table>";
  }

  out << "<h2>Notifications</h2>";
  const auto& notes = array(report, "notifications");
  if (notes.empty()) out << "<p>No notification was sent.</p>";
  else {
    table_head(out, {"step", "time", "status", "what", "acknowledged by"});
    for (auto& e : notes) {
      if (!e.is_object()) continue;
      const auto& o = e.as_object();
      table_row(out, {{"", text(o, "step")}, {"t", clock(text(o, "time"), day)}, {"", text(o, "status")},
                      {"", joined(array(o, "changes"))}, {"", joined(array(o, "acknowledged_by"), ", ")}});
    }
    out << "</tbody></table>";
  }

  out << "<h2>Evidence</h2>";
  const auto& evidence = object(report, "evidence");
  const auto& items = array(evidence, "items");
  if (items.empty()) out << "<p>No evidence was collected.</p>";
  else {
    table_head(out, {"item", "host", "source", "SHA-256", "bytes", "collected"});
    for (auto& e : items) {
      if (!e.is_object()) continue;
      const auto& o = e.as_object();
      table_row(out, {{"", text(o, "path")}, {"", text(o, "host")}, {"", text(o, "source")}, {"hash", text(o, "sha256")},
                      {"", text(o, "size")}, {"t", clock(text(o, "time"), day)}});
    }
    out << "</tbody></table>";
  }
  const auto& seal = object(evidence, "seal");
  if (seal.empty()) out << "<p class=\"in-force\">The evidence is not sealed.</p>";
  else
    out << "<p>Sealed at " << esc(text(seal, "time")) << " by step " << esc(text(seal, "step")) << ": Merkle root <code>"
        << esc(text(seal, "merkle_root")) << "</code>, public key SHA-256 <code>" << esc(text(seal, "public_key_sha256"))
        << "</code>.</p>";

  out << "<h2>Patch compliance</h2>";
  const auto& patches = array(report, "patch_compliance");
  if (patches.empty()) out << "<p>No patch was released in this incident.</p>";
  else {
    table_head(out, {"host", "state", "version", "time"});
    for (auto& e : patches) {
      if (!e.is_object()) continue;
      const auto& o = e.as_object();
      table_row(out, {{"", text(o, "host")}, {"", text(o, "state")}, {"", text(o, "version")}, {"t", clock(text(o, "time"), day)}});
    }
    out << "</tbody></table>";
  }

  out << "<h2>Change requests</h2>";
  const auto& crs = array(report, "change_requests");
  if (crs.empty()) out << "<p>No emergency change was made.</p>";
  for (auto& e : crs) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    out << "<div class=\"cr\"><h3>" << esc(text(o, "id")) << ": " << esc(text(o, "title")) << "</h3><dl>";
    auto item = [&](const char* label, const std::string& value) {
      out << "<dt>" << label << "</dt><dd>" << (value.empty() ? "—" : esc(value)) << "</dd>";
    };
    item("Reason", text(o, "reason"));
    item("What changed", joined(array(o, "changes")));
    item("When", text(o, "applied"));
    item("By", text(o, "by") + (array(o, "approved_by").empty() ? "" : ", approved by " + joined(array(o, "approved_by"), ", ")));
    item("Testing done", text(o, "testing"));
    item("Testing skipped", text(o, "testing_skipped"));
    item("Backout plan", text(o, "backout"));
    item("State", text(o, "state"));
    out << "</dl></div>";
  }

  out << "<h2>Damage and cost</h2>";
  const auto& assets = array(cost, "assets");
  const auto& effort = array(cost, "effort");
  if (assets.empty() && effort.empty()) out << "<p>No asset list or recovery effort was given (<code>--review FILE</code>).</p>";
  if (!assets.empty()) {
    table_head(out, {"asset", "downtime", "per hour", "cost"});
    for (auto& e : assets) {
      if (!e.is_object()) continue;
      const auto& o = e.as_object();
      table_row(out, {{"", text(o, "name")},
                      {"", duration_text(field(o, "downtime_seconds")) + (flag(o, "ongoing") ? " (ongoing)" : "")},
                      {"", money(field(o, "cost_per_hour")) + " " + currency},
                      {"", money(field(o, "cost")) + " " + currency}});
    }
    out << "</tbody></table>";
  }
  if (!effort.empty()) {
    table_head(out, {"recovery effort", "hours", "per hour", "cost"});
    for (auto& e : effort) {
      if (!e.is_object()) continue;
      const auto& o = e.as_object();
      table_row(out, {{"", text(o, "by") + (text(o, "what").empty() ? "" : ": " + text(o, "what"))},
                      {"", number_text(field(o, "hours"))},
                      {"", money(field(o, "cost_per_hour")) + " " + currency},
                      {"", money(field(o, "cost")) + " " + currency}});
    }
    out << "</tbody></table>";
  }
  out << "<p><b>Total: " << esc(money(field(cost, "total")) + " " + currency) << "</b> (downtime counted until "
      << esc(text(cost, "as_of")) << ")</p>";

  out << "<h2>Exploited weaknesses to add to scanning</h2>";
  const auto& weak = array(report, "weaknesses");
  if (weak.empty()) out << "<p>None entered.</p>";
  else {
    out << "<ul>";
    for (auto& w : weak) out << "<li>" << esc(w.is_string() ? std::string(w.as_string()) : display(w)) << "</li>";
    out << "</ul>";
  }
  out << "<h2>Questions for the review</h2><ul>";
  for (auto& q : array(report, "questions")) out << "<li>" << esc(q.is_string() ? std::string(q.as_string()) : display(q)) << "</li>";
  out << "</ul>";

  out << "<h2>Full timeline</h2><p class=\"legend\">Times are UTC, on " << esc(day) << " unless a date is shown.</p>";
  table_head(out, {"#", "time", "stage", "what", "by"});
  for (auto& e : array(report, "timeline")) {
    if (!e.is_object()) continue;
    const auto& o = e.as_object();
    table_row(out, {{"", text(o, "seq")}, {"t", clock(text(o, "time"), day)}, {"", text(o, "stage")}, {"", text(o, "text")}, {"", text(o, "actor")}});
  }
  out << "</tbody></table>";
  out << "<footer>Made by responder from the journal of " << esc(id) << " alone: " << esc(text(summary, "records"))
      << " records, head " << esc(text(meta, "journal_head")) << (verified ? ", chain verified." : ", FAILED VERIFICATION.")
      << "</footer></main></body></html>\n";
  return out.str();
}

}  // namespace responder
