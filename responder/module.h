// The interface every playbook module implements, and the context it runs in.
//
// A module is one file (`<folder>/<name>.cc`) with its declared parameter
// schema beside it (`<name>.schema.yaml`). It has four operations:
//
//   plan    computes exactly what apply would change; changes nothing.
//   apply   makes the change; returns a receipt holding what is needed to
//           undo it, and the output that `register:` makes available.
//   verify  reads the system back and says whether the change is in effect.
//   undo    restores the prior state from the receipt, touching nothing the
//           receipt does not name.
//
// Parameters arrive substituted and checked against the schema, with the
// schema's defaults filled in. Modules never build shell command text from
// parameters: they call library APIs or run an argv vector.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <cstdint>
#include <string>
#include <vector>

#include "responder/address.h"
#include "responder/json.h"
#include "responder/result.h"

namespace responder {

class ModuleSchema;
struct Config;
struct JournalContents;
namespace targets {
class EvidenceRelay;
class StagedAttachment;
}

// Safety rules no playbook can switch off (DESIGN.md, "Conventions").
struct SafetyRules {
  // Management ranges from the configuration and --allow: never cut off.
  std::vector<Cidr> management;
  // The peer address of the responder's own SSH session, if any
  // (SSH_CONNECTION / SSH_CLIENT).
  std::optional<IpAddress> own_ssh_peer;
  // The network that covers `address` among the protected ones, described
  // for an error message ("management range 10.0.0.0/24 (from --allow)"),
  // or empty when the address is free to block.
  std::string protection_covering(const Cidr& target) const;
};

// What a step may ask of the incident it runs in: report.write reads the
// journal, containment.undo undoes earlier steps. Only a run offers it (StepContext::incident); `plan`, far sides
// and `responder undo` run modules without it.
class IncidentAccess {
 public:
  virtual ~IncidentAccess() = default;
  // The journal as it stands, chain verified and holding every record this
  // run has made so far (records held for a later sync are written first).
  virtual Result<JournalContents> journal() = 0;
  // Undoes this incident's changes still in force (all, or those of the
  // named steps), newest first, each journaled and checked against the real
  // component (runner.h, undo_in_force): "step" or "step on host" undone,
  // and what stays in force with why.
  struct Undone {
    std::vector<std::string> undone;
    std::vector<std::pair<std::string, std::string>> still_in_force;
  };
  virtual Result<Undone> undo_changes(const std::vector<std::string>& steps, const std::string& reason) = 0;
  // Whether the playbook has a step with this id.
  virtual bool has_step(const std::string& id) const = 0;
  // The playbook's description and severity, and whether this is a drill.
  virtual std::string playbook_description() const = 0;
  virtual std::string playbook_severity() const = 0;
  virtual bool drill() const = 0;
};

// Where a step reports progress on long work (bytes copied, packets read).
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // `done` of `total` units (total 0 when unknown), with a short note.
  virtual void progress(std::uint64_t done, std::uint64_t total, const std::string& unit, const std::string& note) = 0;
};

struct StepContext {
  std::string incident_id;               // empty for `plan` outside an incident
  // What tells this incident from another of the same id (journal.h,
  // incident_instance); empty when unknown. State a module keeps on a host
  // for an incident is keyed by both.
  std::string incident_instance;
  std::string step_id;
  std::string actor;                     // who is running the step
  std::filesystem::path incident_dir;    // incidents/<id>; empty for `plan`
  const Config* config = nullptr;
  const SafetyRules* safety = nullptr;
  ProgressSink* progress = nullptr;      // never null inside the runner
  // The step's timeout. Long operations check `expired()` and return an
  // interruption error rather than overrunning it.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Set by SIGINT/SIGTERM; long operations stop at a safe point.
  const std::atomic<bool>* interrupted = nullptr;
  bool drill = false;                    // a rehearsal in a throw-away lab
  // The detail this step's plan journaled, when there is one (apply after
  // resume sees the plan it was decided on, not a new one).
  const json::object* planned = nullptr;
  // For verify: the receipt is the one this process's apply returned a
  // moment ago (not one read from the journal). A module whose apply is one
  // atomic kernel transaction may take the kernel's acceptance of it as proof
  // of what it added, and check only what could have undone it since.
  bool just_applied = false;
  // What `{{ }}` templates see: variables, registered outputs and
  // `incident` (id, severity, playbook); null for `plan` outside a run only
  // when the caller has none. Modules that render text of their own
  // (notification templates) use it.
  const json::object* scope = nullptr;
  // The incident journal's head when the step started ("SEQ:SHA256"), for
  // modules that hand a witness of the journal to someone outside the host.
  std::string journal_witness;
  // The folder of the playbook file, for parameters naming files beside it.
  std::filesystem::path playbook_dir;
  // On a far side (`responder step`): where evidence goes instead of a
  // store on this host, i.e. to the controller's store (evidence_relay.h).
  targets::EvidenceRelay* evidence_relay = nullptr;
  // The file that came with the request (an artifact to install), received
  // here and checked against its announced SHA-256 and size; null when the
  // request carried none. It is removed when the step has answered.
  const targets::StagedAttachment* attachment = nullptr;
  // The incident this step runs in; null outside a run.
  IncidentAccess* incident = nullptr;

  bool expired() const { return std::chrono::steady_clock::now() >= deadline; }
  bool should_stop() const { return expired() || (interrupted && interrupted->load()); }
};

struct PlanResult {
  // One line per change, in the words a responder reads on a terminal.
  std::vector<std::string> changes;
  // Machine-readable detail, journaled with the `planned` record; includes the
  // prior state the module observed, so that a crash between the change and
  // its receipt can still be undone (see Module::verify).
  json::object detail;
};

struct Receipt {
  json::object undo;                 // what undo needs; empty when nothing to undo
  json::object output;               // what `register:` exposes to later steps
  std::vector<std::string> changes;  // what was changed, for the timeline
};

struct Verification {
  bool in_effect = false;
  std::string detail;               // what was found, for status and the journal
  // When verify is called without a receipt (crash after the change, before
  // the receipt was journaled) and the change is in effect, the receipt the
  // module reconstructs from the planned detail, so that undo stays exact.
  std::optional<Receipt> recovered;
};

// What a step with `targets:` sends to each of its hosts, decided on the
// controller before any host is asked anything.
struct HostDelivery {
  json::object params;  // what every host gets
  // Bytes sent with each host's apply (an artifact to install), with their
  // SHA-256 (hex), which the host checks before the step may act; null
  // when there are none.
  std::shared_ptr<const std::string> attachment;
  std::string attachment_sha256;
};

// One host of a step with `targets:` as its plan found it, for a module
// that orders its hosts (release.push: canary first, then waves).
struct PlannedHost {
  std::string name;
  const json::object* vars = nullptr;    // StepHost::vars (inventory: last_seen, release_group)
  const json::object* detail = nullptr;  // the host's plan detail
  bool changes = false;                  // its plan changes something
};

// Hosts applied together; the next batch starts only once this one has
// answered and did not halt the step.
struct HostBatch {
  std::string label;                 // "canary", "wave 2": for people and the journal
  std::vector<std::size_t> hosts;    // indexes into the PlannedHost list
  // Any failure halts the step (a canary); otherwise more failures than the
  // step's max_fail_percentage of the batch do.
  bool strict = false;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual std::string_view name() const = 0;
  const ModuleSchema& schema() const;  // from the schema catalogue, by name()

  virtual Result<PlanResult> plan(const json::object& params, StepContext& context) const = 0;
  virtual Result<Receipt> apply(const json::object& params, StepContext& context) const = 0;
  // `receipt` is null when resuming a step whose apply may or may not have
  // happened; `planned` is the detail journaled with the step's plan.
  virtual Result<Verification> verify(const json::object& params, const Receipt* receipt,
                                      const json::object& planned, StepContext& context) const = 0;
  virtual Status undo(const Receipt& receipt, StepContext& context) const = 0;
  // False for modules whose effects are records, not changes (note.add).
  virtual bool undoable() const { return true; }

  // What `status` says of a change in force: by default the receipt's
  // changes; a change with an end of its own (an expiry, a dead-man switch)
  // says when, as a moment and as time left at `now_ms`.
  virtual std::vector<std::string> in_force_lines(const Receipt& receipt, std::int64_t now_ms) const;
  // What `undo` of `receipt` gave back, in the responder's terms ("traffic
  // from and to 203.0.113.7 flows again", "started ssh.service again"), never
  // the words of the change itself under "undone". By default each change
  // said as undone.
  virtual std::vector<std::string> undone_lines(const Receipt& receipt) const;
  // How the change ended by its own design at or before `now_ms` ("expired
  // at ...", a dead-man switch not confirmed), or empty while it is meant to
  // be in force: such a change is over, not drift, and nothing re-applies it.
  virtual std::string ended_by_itself(const Receipt& receipt, std::int64_t now_ms) const;

  // Checks beyond the schema that `validate` can already make on the
  // playbook's `with:` mapping (templates not yet substituted): each problem
  // as {parameter path, message}, like ModuleSchema::check.
  struct StaticIssue {
    std::string path;
    std::string message;
  };
  virtual std::vector<StaticIssue> check_static(const json::object& with) const;

  // `responder confirm ID STEP`: disarms a dead-man switch (`confirm_within`)
  // so the change stays in force; returns the receipt as it now stands, which
  // the engine journals in place of the old one. Modules without such a
  // switch refuse with bad input.
  virtual Result<Receipt> confirm(const Receipt& receipt, StepContext& context) const;
  // `responder resume ID --reconcile`: re-applies, idempotently, what the
  // receipt says must be in force and someone else removed (drift). A step
  // whose dead-man switch expired unconfirmed stays undone. Modules whose
  // changes cannot drift do nothing.
  virtual Status reconcile(const Receipt& receipt, bool confirmed, StepContext& context) const;

  // On the controller, before the step is planned anywhere (on any host of
  // its `targets:`, or here): checks what must hold there first (a
  // release's signature; a refusal stops the step with no host contacted)
  // and returns what each host gets. By default the parameters as they are.
  virtual Result<HostDelivery> prepare_on_controller(const json::object& params, StepContext& controller) const;

  // The order in which a step's planned hosts are applied, batch by batch;
  // every host in exactly one batch. Empty (the default): all at once,
  // `forks` at a time. Bad input for parameters that cannot be ordered.
  virtual Result<std::vector<HostBatch>> order_hosts(const json::object& params, const std::vector<PlannedHost>& hosts) const;
};

// Every module linked into the binary, by name.
class ModuleRegistry {
 public:
  static ModuleRegistry& instance();
  void add(std::unique_ptr<Module> module);
  const Module* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::vector<std::unique_ptr<Module>> modules_;
};

// Registers a module at start-up: `RESPONDER_MODULE(NoteAdd);` in its .cc.
template <class M>
struct ModuleRegistration {
  ModuleRegistration() { ModuleRegistry::instance().add(std::make_unique<M>()); }
};
#define RESPONDER_MODULE(Class) \
  static const ::responder::ModuleRegistration<Class> responder_module_registration_##Class {}

// Module names INTERFACE.md promises. A playbook may name one that this build
// does not yet ship: validation accepts it with a warning, `plan` lists it as
// missing and `run` refuses before changing anything.
const std::vector<std::string>& promised_module_names();

}  // namespace responder
