// responder approve ID STEP --as NAME: one person's approval of a step, appended to the journal.
// With approvers: configured the approval is checked exactly as it will be
// counted (approval_tally.h) before it is appended, so a refused one leaves
// nothing behind.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "responder/approval_request.h"
#include "responder/approval_tally.h"
#include "responder/command.h"
#include "responder/durable_file.h"
#include "responder/exit_code.h"
#include "responder/incident_home.h"
#include "responder/incident_lock.h"
#include "responder/journal_record_kind.h"
#include "responder/ssh_signature.h"

namespace responder {
namespace {

struct ApproveOptions {
  std::string incident, step, name;
  std::string key, signature, request;
  bool agent = false;
  bool print_request = false;
};

Result<std::string> read_text(const std::string& path, const char* what) {
  auto text = read_text_file(path, 64 * 1024);
  if (!text) return bad_input(std::string(what) + ": " + text.error().message);
  return text;
}

void explain_signing(const ApproveOptions& o, const std::string& name) {
  std::string self = "responder approve " + o.incident + " " + o.step + " --as " + name;
  std::cerr << "# the text above is what " << name << " signs with their SSH key (namespace " << kApprovalNamespace << ").\n"
            << "# on a machine with this incident:   " << self << " --key ~/.ssh/id_ed25519   (or --agent)\n"
            << "# or save the text as approval.txt, then:\n"
            << "#   ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n " << kApprovalNamespace << " approval.txt\n"
            << "#   " << self << " --signature approval.txt.sig   (reads approval.txt beside it)\n";
}

// The request and signature of an approver with a key, from --key, --agent
// or --signature.
Result<std::pair<ApprovalRequest, std::string>> signed_request(const ApproveOptions& o, const Approver& approver,
                                                               ApprovalRequest request) {
  if (!o.key.empty()) {
    auto signature = ssh_sign(o.key, request.text(), kApprovalNamespace);
    if (!signature) return signature.error();
    return std::pair{request, *signature};
  }
  if (o.agent) {
    auto signature = ssh_sign_with_agent(approver.ssh_keys, request.text(), kApprovalNamespace);
    if (!signature) return signature.error();
    return std::pair{request, *signature};
  }
  if (!o.signature.empty()) {
    std::string request_file = o.request;
    if (request_file.empty()) {
      if (o.signature.size() <= 4 || o.signature.substr(o.signature.size() - 4) != ".sig")
        return bad_input("--signature " + o.signature + ": name the signed text with --request FILE");
      request_file = o.signature.substr(0, o.signature.size() - 4);
    }
    auto text = read_text(request_file, "signed request");
    if (!text) return text.error();
    auto signature = read_text(o.signature, "signature");
    if (!signature) return signature.error();
    auto parsed = parse_approval_request(*text);
    if (!parsed) return refusal(request_file + ": " + parsed.error().message + " (was it edited after --print-request?)");
    if (parsed->incident != request.incident || parsed->step != request.step || parsed->approver != request.approver)
      return refusal(request_file + " approves step '" + parsed->step + "' of incident " + parsed->incident + " as " +
                     parsed->approver + ", not step '" + request.step + "' of " + request.incident + " as " +
                     request.approver);
    return std::pair{*parsed, *signature};
  }
  return refusal(approver.name + " must sign this approval with their SSH key: add --key ~/.ssh/id_ed25519, --agent, or "
                                 "--signature FILE (see --print-request)");
}

int approve(const GlobalOptions& globals, const ApproveOptions& o) {
  auto env = open_environment(globals);
  if (!env) return report_error(env.error());
  std::string name = normalise_approver_name(o.name);
  if (name.empty() || name.size() > 128) return report_error(bad_input("--as NAME: give the approver's name"));
  int ways = !o.key.empty() + o.agent + !o.signature.empty();
  if (ways > 1) return report_error(bad_input("give one of --key, --agent and --signature"));
  auto incident = load_incident(*env, o.incident);
  if (!incident) return report_error(incident.error());
  const std::string& id = o.incident;
  const std::string& step_id = o.step;
  const Step* step = incident->playbook.find_step(step_id);
  if (!step) return report_error(bad_input("incident " + id + " has no step '" + step_id + "'"));
  if (step->approval == 0) return report_error(bad_input("step '" + step_id + "' does not need approval"));
  const StepState* s = incident->state.find(step_id);
  if (s && (s->status == StepStatus::applied || s->status == StepStatus::verified || s->status == StepStatus::undone))
    return report_error(bad_input("step '" + step_id + "' has already been applied; an approval now would change nothing"));

  const Approvers& approvers = env->config.approvers;
  std::string config_name = env->config.source.empty() ? "the configuration (none was read)" : env->config.source.string();
  json::object payload{{"step", step_id}, {"by", name}, {"os_user", invoking_os_user()}};
  if (approvers.empty()) {
    if (ways || o.print_request)
      return report_error(bad_input("approvals cannot be signed: " + config_name +
                                    " has no approvers: to check signatures against"));
    std::cerr << "responder: warning: " << kUnauthenticatedWarning << "\n";
  } else {
    auto it = approvers.find(name);
    if (it == approvers.end()) {
      std::vector<std::string> names;
      for (auto& [n, a] : approvers) names.push_back(n);
      return report_error(refusal("'" + name + "' is not one of the approvers: in " + config_name + " (" +
                                  comma_joined(names) + "); nothing was recorded"));
    }
    const Approver& approver = it->second;
    auto request = current_request(id, incident->contents, step_id, name);
    if (!request) return report_error(request.error());
    if (o.print_request) {
      std::cout << request->text();
      if (approver.ssh_keys.empty())
        std::cerr << "# " << name << " has no SSH key in approvers:; they approve without a signature, as OS user "
                  << approver.os_user << "\n";
      else
        explain_signing(o, name);
      return kExitSuccess;
    }
    payload["plan_sha256"] = request->plan_sha256;
    if (!approver.ssh_keys.empty()) {
      auto made = signed_request(o, approver, *request);
      if (!made) return report_error(made.error());
      payload["plan_sha256"] = made->first.plan_sha256;
      payload["head"] = made->first.head();
      payload["signature"] = made->second;
    } else if (ways) {
      return report_error(bad_input(name + " has no SSH key in approvers:, so there is nothing to check a signature "
                                           "against; they approve as OS user " + approver.os_user + " without one"));
    }
    // Checked as it will be counted, against the journal it is appended to.
    JournalRecord candidate;
    candidate.kind = record_kind::approval;
    candidate.seq = incident->contents.records.back().seq + 1;
    candidate.fields = payload;
    std::string problem = approval_problem(approvers, id, incident->contents, candidate, request->plan_sha256);
    if (!problem.empty()) return report_error(refusal("approval by " + name + " refused, nothing was recorded: " + problem));
  }

  auto before = tally_approvals(approvers, id, incident->contents, step_id);
  bool repeat = std::find(before.approvers.begin(), before.approvers.end(), name) != before.approvers.end();
  auto journal = JournalWriter::open(incident->dir, false);
  if (!journal) return report_error(journal.error());
  auto record = journal->append(record_kind::approval, name, std::move(payload));
  if (!record) return report_error(record.error());
  std::vector<JournalWitness> own;
  if (auto last = journal->last_appended()) own.push_back(*last);
  auto contents = read_verified_journal(journal->file(), own);
  if (!contents) return report_error(refusal("the approval was recorded, but the journal then failed verification: " +
                                             contents.error().message));
  auto after = tally_approvals(approvers, id, *contents, step_id);
  bool counted = std::find(after.approvers.begin(), after.approvers.end(), name) != after.approvers.end();
  std::string line = name + " approved " + step_id + ": " + std::to_string(after.approvers.size()) + " of " +
                     std::to_string(step->approval) + " (" + comma_joined(after.approvers) + ")" +
                     (repeat ? "; " + name + " had already approved, so this counts once" : "") +
                     (after.authenticated ? "" : " — unauthenticated");
  // An approval journaled while no runner waits acts only once someone
  // resumes; saying "2 of 2" and nothing else would leave people waiting.
  bool alive = IncidentLock::runner_alive(incident->dir).value_or(true);
  std::string nobody = "no runner is alive for " + id + ", so nothing acts on this approval until `responder resume " + id + "`";
  if (globals.json)
    std::cout << to_json_text(json::object{{"incident", id},
                                           {"step", step_id},
                                           {"by", name},
                                           {"approved_by", string_array(after.approvers)},
                                           {"needed", step->approval},
                                           {"authenticated", after.authenticated},
                                           {"counted", counted},
                                           {"runner_alive", alive}})
              << "\n";
  else
    std::cout << line << "\n" << (alive ? "" : "interrupted: " + nobody + "\n");
  // Only a journal that changed between the check and the append (a re-plan)
  // gets here.
  if (!counted) {
    for (auto& r : after.refused)
      if (r.seq == record->seq) std::cerr << "responder: this approval does not count: " << r.reason << "\n";
    return kExitRefused;
  }
  return kExitSuccess;
}

void setup_approve(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto o = std::make_shared<ApproveOptions>();
  command.add_option("incident", o->incident, "incident id")->required()->type_name("ID");
  command.add_option("step", o->step, "the step to approve")->required()->type_name("STEP");
  command.add_option("--as", o->name, "who approves: a name from approvers: in the configuration")
      ->required()
      ->type_name("NAME");
  command.add_flag("--print-request", o->print_request,
                   "print the exact text to sign (stdout) and how to sign it (stderr); records nothing");
  command.add_option("--key", o->key, "sign with this SSH private key (or a .pub whose key ssh-agent holds)")
      ->type_name("FILE");
  command.add_flag("--agent", o->agent, "sign with the approver's configured key, held by ssh-agent");
  command.add_option("--signature", o->signature, "a signature made with ssh-keygen -Y sign over --print-request's text")
      ->type_name("FILE");
  command.add_option("--request", o->request, "the signed text (default: the --signature file without .sig)")
      ->type_name("FILE");
  command.footer("Examples:\n  responder approve INC-42 block-attacker --as alice --key ~/.ssh/id_ed25519\n"
                 "  responder approve INC-42 block-attacker --as alice --print-request > req.txt   (sign elsewhere)");
  action = [o, &globals] { return approve(globals, *o); };
}

const CommandRegistration approve_registration{{"approve", "record one person's approval of a step", 41, setup_approve}};

}  // namespace
}  // namespace responder
