// The post-incident report, built from an incident's journal alone.
//
// build_incident_report gives one JSON document (report.schema.json beside
// this file states every field); the Markdown and HTML renderings
// (report_formats.h) are made from that document only, so the three formats
// can never disagree.
//
// What the report derives, and from which records:
// - the timeline: every record, in journal order, with its UTC time;
// - steps: each step on each host, with the time of each of its records;
// - containment: every applied receipt with something to undo, from
//   step.applied until step.undone (or still in force at the last record);
// - evidence: the items evidence modules' receipts name, and the seal;
// - change requests: one per containment or remediation change, for normal
//   change management afterwards, with the backout that undoes it exactly;
// - cost: each asset's downtime (the union of the containment windows that
//   touch it) times its cost per hour, plus the recovery effort responders
//   entered (report_review.h);
// - open items: what is still in force, failed, unapproved or unsealed.
#pragma once

#include <string>

#include "responder/approvers.h"
#include "responder/journal.h"
#include "responder/json.h"
#include "responder/report/report_review.h"

namespace responder {

struct ReportJournal {
  const JournalContents* contents = nullptr;
  std::string incident_id;
  std::string head_witness;       // "SEQ:SHA256" of the last record
  bool verified = true;           // false only under --force
  std::string verification_problem;  // the first break, when not verified
  std::string description, severity;  // the journaled playbook's
  bool drill = false;
  // When given, each approval says whether it counts, as the runner counts
  // it (approval_tally.h); without, approvals are listed as recorded.
  const Approvers* approvers = nullptr;
  // report.write's own step, running while the report is made: not an open
  // item of the report it writes.
  std::string written_by_step;
};

// The report document. Fails only when the journal has no incident.opened
// record first.
Result<json::object> build_incident_report(const ReportJournal& journal, const ReviewInput& review);

// Exactly what report.schema.json says, checked without a schema library:
// the report's own test validates documents against the schema with an
// independent validator.
inline constexpr int kReportFormatVersion = 1;

}  // namespace responder
