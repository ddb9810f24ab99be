// responder plan PLAYBOOK [--var K=V]... [-i INVENTORY]... [--limit PATTERN]:
// what each step would change; changes nothing. A step with targets: is
// planned on each of its hosts, by that host: its state is what matters.
#include <CLI/CLI.hpp>

#include <iostream>

#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/host_placeholders.h"
#include "responder/playbook_loader.h"
#include "responder/requirements.h"
#include "responder/schema.h"
#include "responder/message_text.h"
#include "responder/targets/for_each_host.h"
#include "responder/targets/run_hosts.h"
#include "responder/targets/target_options.h"
#include "responder/template.h"
#include "responder/variables.h"

namespace responder {
namespace {

struct PlanOptions {
  std::string playbook;
  std::vector<std::string> vars;
  bool verbose = false;
  targets::TargetOptions targets;
};

// --verbose: what a plan journals beside its changes, one item a line where
// it is a list (a firewall step's nftables transaction: one command a line).
template <class Out>
void print_detail(const json::object& detail, const std::string& indent, Out&& out) {
  for (auto& [key, value] : detail) {
    const json::array* items = value.is_array() ? &value.get_array() : nullptr;
    if (value.is_object() && value.get_object().size() == 1 && value.get_object().begin()->value().is_array())
      items = &value.get_object().begin()->value().get_array();
    if (!items) {
      out(indent + std::string(key) + ": " + one_line(to_json_text(value)));
      continue;
    }
    out(indent + std::string(key) + ":");
    for (auto& item : *items) out(indent + "  " + one_line(to_json_text(item)));
  }
}

struct HostPlan {
  std::string host;
  targets::Execution answer;
};

// Each host's plan of `params`, asked of the host itself.
Result<std::vector<HostPlan>> plan_on_hosts(const Step& step, const json::object& params, const json::object& scope,
                                            targets::RunHosts& hosts, const Environment& env) {
  std::vector<std::string> patterns;
  for (auto& target : step.targets) {
    auto value = substitute(target, scope);
    if (!value) return bad_input("targets are decided at run time (" + value.error().message + ")");
    if (value->is_string()) patterns.emplace_back(value->get_string());
    else if (value->is_array())
      for (auto& v : value->get_array())
        if (v.is_string()) patterns.emplace_back(v.get_string());
  }
  auto selected = hosts.select(patterns);
  if (!selected) return selected.error();
  std::vector<std::string> known;
  for (auto& h : *selected) known.push_back(h.name);
  std::vector<StepHost> chosen;
  for (auto& h : *selected) {
    auto allowed = hosts.allowed(h.name, known);
    if (!allowed) return allowed.error();
    if (*allowed) chosen.push_back(h);
  }
  std::vector<HostPlan> plans(chosen.size());
  std::vector<targets::Executor*> executors(chosen.size(), nullptr);
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    plans[i].host = chosen[i].name;
    auto executor = hosts.executor(chosen[i]);
    if (!executor) plans[i].answer.unreachable_why = executor.error().message;
    else executors[i] = *executor;
  }
  targets::for_each_host(chosen.size(), hosts.forks(), [&](std::size_t i) {
    if (!executors[i]) return;
    targets::StepRequest request;
    request.operation = targets::Operation::plan;
    request.module = step.module;
    request.params = params;
    request.step_id = step.id;
    request.host = chosen[i].name;
    request.actor = env.actor;
    for (auto& range : env.safety.management) request.management.push_back(range.to_string());
    plans[i].answer = executors[i]->execute(request, nullptr, std::chrono::steady_clock::now() + std::chrono::minutes(2));
  });
  return plans;
}

int plan(const GlobalOptions& globals, const PlanOptions& options) {
  auto env = open_environment(globals);
  if (!env) {
    std::cerr << "responder: " << env.error().message << "\n";
    return exit_code_for(env.error().kind);
  }
  auto loaded = load_playbook_file(options.playbook);
  for (auto& d : loaded.diagnostics) std::cerr << d.format() << "\n";
  if (!loaded.playbook) return kExitBadInput;
  const Playbook& playbook = *loaded.playbook;
  std::vector<std::string> missing_vars;
  auto variables = resolve_variables(playbook, options.vars, false, &missing_vars);
  if (!variables) {
    std::cerr << "responder: " << variables.error().message << "\n";
    return kExitBadInput;
  }
  targets::RunHosts hosts(*env, targets::run_hosts_options(*env, options.targets, {}));
  json::object scope = *variables;
  scope["incident"] = json::object{{"id", "<incident>"}, {"home", env->home.string()},
                                   {"severity", playbook.severity}, {"playbook", playbook.name}};

  std::vector<std::string> missing_modules;
  bool refused = false;
  bool bad = false;  // a module found its parameters wrong: the playbook's error
  auto out = [&](const std::string& line) {
    if (!globals.json) std::cout << line << "\n";
  };
  out("plan of " + playbook.name + " (" + playbook.file + ")" + (playbook.severity.empty() ? "" : ", severity " + playbook.severity));
  if (!playbook.description.empty()) out("  " + playbook.description);
  for (auto& name : missing_vars) out("  variable " + name + " is not set: steps that use it are shown unresolved (--var " + name + "=...)");
  for (auto& stage : playbook.stages) {
    out("");
    out("== " + stage.name + " ==");
    for (auto& step : stage.steps) {
      json::object event{{"stage", stage.name}, {"step", step.id}, {"module", step.module}};
      std::string header = "  " + step.id + " [" + step.module + "]";
      if (has_remote_targets(step)) {
        std::string on;
        // As the run will resolve them: `{{ fleet }}` shows what --var gave.
        for (auto& t : step.targets) {
          auto resolved = substitute(t, scope);
          const json::value& shown = resolved ? *resolved : t;
          on += (on.empty() ? "" : ", ") + (shown.is_string() ? std::string(shown.get_string()) : to_json_text(shown));
        }
        header += " on " + one_line(on);
      }
      if (step.when) header += " when " + step.when->text();
      if (step.approval) header += ", needs " + std::to_string(step.approval) + " approval(s)";
      if (step.timeout) header += ", timeout " + format_duration(*step.timeout);
      if (step.retries) header += ", retries " + std::to_string(step.retries);
      if (step.on_failure != OnFailure::abort) header += ", on failure " + std::string(on_failure_name(step.on_failure));
      out(header);
      json::array changes;
      const Module* module = ModuleRegistry::instance().find(step.module);
      std::string status;
      if (!module) {
        missing_modules.push_back(step.module);
        status = "module " + step.module + " is not in this build yet";
      } else if (auto substituted = substitute(json::value(step.with), scope_with_host_placeholders(scope, module->schema()));
                 !substituted) {
        status = "parameters are decided at run time (" + substituted.error().message + ")";
      } else if (auto params = module->schema().resolve(substituted->get_object()); !params) {
        status = "parameters: " + params.error().message;
      } else if (has_remote_targets(step)) {
        StepContext controller;
        controller.step_id = step.id;
        controller.actor = env->actor;
        controller.config = &env->config;
        controller.safety = &env->safety;
        controller.scope = &scope;
        controller.playbook_dir = std::filesystem::absolute(playbook.file).parent_path();
        auto delivery = module->prepare_on_controller(*params, controller);
        auto plans = delivery ? plan_on_hosts(step, delivery->params, scope, hosts, *env)
                              : Result<std::vector<HostPlan>>(delivery.error());
        if (!delivery) {
          bool refusal = delivery.error().kind == ErrorKind::refused;
          status = (refusal ? "REFUSED: " : "cannot plan: ") + delivery.error().message;
          refused = refused || refusal;
          bad = bad || delivery.error().kind == ErrorKind::bad_input;
        } else if (!plans) {
          status = "targets: " + plans.error().message;
          bad = bad || plans.error().kind == ErrorKind::bad_input;
        } else {
          json::array on_hosts;
          for (auto& p : *plans) {
            json::object entry{{"host", p.host}};
            const auto& e = p.answer;
            if (!e.reached) {
              out("    on " + one_line(p.host) + ": unreachable — " + one_line(e.unreachable_why));
              entry["unreachable"] = e.unreachable_why;
            } else if (!e.answer.ok || !e.answer.plan) {
              std::string why = e.answer.ok ? "no plan in the answer" : e.answer.error.message;
              bool refusal = !e.answer.ok && e.answer.error.kind == ErrorKind::refused;
              out("    on " + one_line(p.host) + ": " + (refusal ? "REFUSED: " : "cannot plan: ") + one_line(why));
              refused = refused || refusal;
              bad = bad || (!e.answer.ok && e.answer.error.kind == ErrorKind::bad_input && step.on_failure != OnFailure::continue_run);
              entry["status"] = why;
            } else {
              out("    on " + one_line(p.host) + ":");
              for (auto& c : e.answer.plan->changes) out("      · " + one_line(c));
              if (options.verbose) print_detail(e.answer.plan->detail, "        ", out);
              entry["changes"] = string_array(e.answer.plan->changes);
              entry["detail"] = e.answer.plan->detail;
            }
            on_hosts.push_back(std::move(entry));
          }
          event["hosts"] = std::move(on_hosts);
        }
      } else {
        StepContext context;
        context.step_id = step.id;
        context.actor = env->actor;
        context.config = &env->config;
        context.safety = &env->safety;
        context.scope = &scope;
        context.playbook_dir = std::filesystem::absolute(playbook.file).parent_path();
        auto delivery = module->prepare_on_controller(*params, context);
        auto result = delivery ? module->plan(delivery->params, context) : Result<PlanResult>(delivery.error());
        if (!result) {
          status = (result.error().kind == ErrorKind::refused ? "REFUSED: " : "cannot plan: ") + result.error().message;
          refused = refused || result.error().kind == ErrorKind::refused;
          // Only where the run would stop: a step marked `on_failure:
          // continue` (a log that may not exist here) does not fail the plan.
          bad = bad || (result.error().kind == ErrorKind::bad_input && step.on_failure != OnFailure::continue_run);
        } else {
          for (auto& c : result->changes) {
            out("      · " + c);
            changes.push_back(json::string(c));
          }
          if (options.verbose) print_detail(result->detail, "        ", out);
          event["detail"] = result->detail;
        }
      }
      if (!status.empty()) out("      " + status);
      event["changes"] = changes;
      if (!status.empty()) event["status"] = status;
      if (globals.json) std::cout << to_json_text(event) << "\n";
    }
  }
  if (!missing_modules.empty()) {
    std::string names;
    for (auto& m : missing_modules)
      if (names.find(m) == std::string::npos) names += (names.empty() ? "" : ", ") + m;
    out("");
    out("missing in this build: " + names + " (`run` refuses this playbook until they land)");
  }
  if (auto unmet = unmet_requirements(playbook); !unmet.empty()) {
    out("");
    out("`run` would refuse here: this process lacks what these steps need");
    out(describe(unmet));
    if (globals.json) {
      json::array needs;
      for (auto& u : unmet) needs.push_back(json::object{{"step", u.step}, {"module", u.module}, {"need", u.need}, {"why", u.why}});
      std::cout << to_json_text(json::object{{"unmet_requirements", std::move(needs)}}) << "\n";
    }
  }
  hosts.close();
  out("");
  out("nothing was changed.");
  if (bad) return kExitBadInput;
  return refused ? kExitRefused : kExitSuccess;
}

void setup(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto options = std::make_shared<PlanOptions>();
  command.add_option("playbook", options->playbook, "the playbook to plan")->required()->type_name("PLAYBOOK");
  command.add_option("--var", options->vars, "set a playbook variable (repeatable)")->type_name("K=V");
  command.add_flag("-v,--verbose", options->verbose,
                   "also print what each step's plan journals (a firewall step's nftables transaction, one command a line)");
  targets::add_target_options(command, options->targets);
  command.footer("Examples:\n"
                 "  responder plan playbooks/targeted-intrusion.yaml --var attacker=203.0.113.7 --var capture=attack.pcap\n"
                 "  responder plan fleet.yaml -i hosts.ini --var attacker=203.0.113.7 --verbose");
  action = [options, &globals] { return plan(globals, *options); };
}

const CommandRegistration registration{{"plan", "dry run: print each step and exactly what it would change; change nothing", 20, setup}};

}  // namespace
}  // namespace responder
