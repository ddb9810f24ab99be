// Stopping systemd units so that undo can put each back exactly: the unit's
// prior ActiveState and UnitFileState are recorded, and undo starts only
// what was running and unmasks only what this step masked. Shared by
// service.stop and access.disable.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "containment/systemd/systemd_units.h"
#include "responder/json.h"
#include "responder/module.h"

namespace responder::systemd {

struct UnitChange {
  std::string unit;
  std::string prior_active;      // ActiveState before the step
  std::string prior_file_state;  // UnitFileState before the step
  bool stop = false;             // it was running, and the step stops it
  bool mask = false;             // it was not masked, and the step masks it
  std::string because;           // "requested", or "triggers ssh.service"

  json::object to_json() const;
  static Result<UnitChange> from_json(const json::value& v);
  // "stop ssh.service (active, enabled) and mask it" / "... already stopped"
  std::string describe() const;
  // What undoing it gave back ("started ssh.service again"); empty when the
  // step changed nothing of this unit.
  std::string describe_undone() const;
};

json::array to_json(const std::vector<UnitChange>& changes);
// What undoing the units of a receipt's `units` gave back, one line each.
std::vector<std::string> undone_lines_of_units(const json::object& undo);
Result<std::vector<UnitChange>> unit_changes_from_json(const json::value& v);

// What stopping `units` (canonical names) would change now: each unit's
// state, preceded by the running units that would start it again on demand
// (sockets, paths, timers: TriggeredBy), so that the stop sticks. A unit
// systemd does not know is bad input naming it.
Result<std::vector<UnitChange>> plan_unit_stops(SystemdManager& systemd, const std::vector<std::string>& units, bool mask);

// Applies the planned changes in order. On failure, the changes already made
// are put back before the error is returned: nothing is left half-done.
Status apply_unit_stops(SystemdManager& systemd, const std::vector<UnitChange>& changes, const StepContext& context);

// Puts back what the changes did: unmasks what was masked, then starts what
// was running, in reverse order.
Status undo_unit_stops(SystemdManager& systemd, const std::vector<UnitChange>& changes, const StepContext& context);

// Whether every stopped unit is still stopped (and masked where the step
// masked it), read from systemd; `drifted` lists those that are not.
Result<Verification> verify_unit_stops(SystemdManager& systemd, const std::vector<UnitChange>& changes,
                                       std::vector<std::string>* drifted = nullptr);

// The wait bound for one systemd job: the step's deadline, and never more
// than systemd's own default stop timeout (90 s) plus a margin.
std::chrono::steady_clock::time_point job_deadline(const StepContext& context);

}  // namespace responder::systemd
