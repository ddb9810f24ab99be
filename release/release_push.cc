// release.push: an emergency patch on the hosts a step's `targets:` selects.
//
// On the controller (prepare_on_controller), before any host is asked anything:
// the artifact is read once and its signature checked against the key the
// configuration names; a .deb's package and version are read from those
// very bytes. Every host then gets the same facts and the same bytes.
//
// On each host (the far side runs plan, apply, verify and undo):
//   plan    asks the host's dpkg (or the `check` argv) whether it needs the
//           patch: needs-patch, already-patched or not-affected;
//   apply   checks the bytes it received, backs up once, installs,
//           restarts, and runs the health check, rolling back when it fails;
//           its outcome is written to the host's release directory before
//           it answers, so a lost answer never leads to a second install;
//   verify  asks dpkg (or `check`) again;
//   undo    runs `rollback`.
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "release/artifact_signature.h"
#include "release/host_package.h"
#include "release/release_artifact.h"
#include "release/release_waves.h"
#include "release/param_values.h"
#include "responder/child_process.h"
#include "responder/config.h"
#include "responder/duration.h"
#include "responder/durable_file.h"
#include "responder/host_placeholders.h"
#include "responder/module.h"
#include "responder/name_syntax.h"
#include "responder/targets/step_attachment.h"

namespace responder::release {
namespace {

constexpr std::uint64_t kDefaultMaxArtifactBytes = std::uint64_t{512} << 20;
constexpr const char* kDefaultStateDir = "/var/lib/responder/release";

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  return line.size() > 200 ? line.substr(0, 200) : line;
}

// The facts the controller established; a far side refuses to act without
// them (a request that did not come through a controller's prepare).
struct Facts {
  std::string sha256, kind, package, version, name;
};

Result<Facts> facts_of(const json::object& params) {
  auto* v = params.if_contains("artifact_facts");
  if (!v || !v->is_object())
    return bad_input("release.push runs on the hosts of a step with `targets:` (use `targets: localhost` for this machine), "
                     "through `responder run` or `plan`, which check the artifact's signature first");
  const json::object& o = v->get_object();
  Facts f{text_of(o, "sha256"), text_of(o, "kind"), text_of(o, "package"), text_of(o, "version"), text_of(o, "name")};
  if (f.sha256.size() != 64 || f.kind.empty() || f.version.empty())
    return bad_input("release.push: the artifact facts are incomplete");
  if (f.kind == "deb" && f.package.empty()) return bad_input("release.push: the artifact facts name no package");
  return f;
}

// What a host has, and so what it needs.
struct HostState {
  std::string state;      // needs-patch, already-patched or not-affected
  std::string installed;  // the version it has, "" when none
};

std::map<std::string, std::string> placeholders_for(const Facts& facts, const std::string& artifact_path,
                                                    const std::string& backup_dir, const std::string& previous) {
  return {{"artifact", artifact_path},
          {"backup_dir", backup_dir},
          {"version", facts.version},
          {"package", facts.package},
          {"previous_version", previous}};
}

Result<ProgramRun> run_argv(const std::vector<std::string>& argv, std::chrono::milliseconds timeout, const char* what) {
  if (argv.empty()) return bad_input(std::string("release.push: `") + what + "` is an empty command");
  auto run = run_program(argv, {}, timeout);
  if (!run) return failure(std::string(what) + ": " + run.error().message);
  return run;
}

Result<HostState> host_state(const json::object& params, const Facts& facts) {
  HostState host;
  if (facts.kind == "deb") {
    auto found = installed_package(facts.package);
    if (!found) return found.error();
    bool install_if_missing = params.if_contains("install_if_missing") && params.at("install_if_missing").is_bool() &&
                              params.at("install_if_missing").get_bool();
    if (!found->installed && !found->present) {
      host.state = install_if_missing ? "needs-patch" : "not-affected";
      return host;
    }
    host.installed = found->version;
    if (!found->installed) {
      host.state = "needs-patch";
      return host;
    }
    auto older = compare_versions(found->version, "lt", facts.version);
    if (!older) return older.error();
    host.state = *older ? "needs-patch" : "already-patched";
    return host;
  }
  auto check = fill_host_placeholders(argv_of(params, "check"), placeholders_for(facts, "", "", ""));
  auto run = run_argv(check, std::chrono::minutes(2), "check");
  if (!run) return run.error();
  host.installed = first_line(run->out);
  if (run->exit_code == 0) host.state = "already-patched";
  else if (run->exit_code == 1) host.state = "needs-patch";
  else return failure("the check failed: " + describe_exit(check, *run));
  return host;
}

// <state_dir>/<incident>/<step>, private to root (or the user running the
// far side): the backup and the outcome of the install. Made only when
// `make` (a host that needs nothing is never written to).
Result<std::filesystem::path> release_dir(const StepContext& context, bool make) {
  if (!is_label(context.incident_id) || !is_label(context.step_id))
    return bad_input("release.push needs an incident and step id to keep its backup and outcome under");
  std::filesystem::path base = kDefaultStateDir;
  if (context.config) {
    auto section = context.config->section("release");
    if (auto dir = text_of(section, "state_dir"); !dir.empty()) base = context.config->beside(dir);
  }
  // An incident id used again (a drill begun anew, another controller)
  // never finds this one's backup or outcome.
  std::string incident = context.incident_id;
  if (!context.incident_instance.empty()) incident += "-" + context.incident_instance.substr(0, 16);
  std::filesystem::path dir = base / incident / context.step_id;
  if (!make) return dir;
  std::error_code ec;
  std::filesystem::create_directories(dir / "backup", ec);
  if (ec) return failure("cannot make the release directory " + dir.string() + ": " + ec.message());
  for (auto& d : {base / incident, dir, dir / "backup"}) ::chmod(d.c_str(), 0700);
  return dir;
}

json::object outcome_receipt(const Receipt& r) {
  return json::object{{"undo", r.undo}, {"output", r.output}, {"changes", string_array(r.changes)}};
}

std::string what_of(const Facts& facts) {
  return facts.kind == "deb" ? facts.package + " " + facts.version : facts.name + " " + facts.version;
}

struct Outcome {
  std::string state;  // installed, patched or rolled-back
  Receipt receipt;
  std::string reason;  // of a rollback
};

// What an earlier attempt of this release wrote on this host, when it was
// of this very artifact.
std::optional<Outcome> read_outcome(const std::filesystem::path& dir, const Facts& facts) {
  auto text = read_text_file(dir / "outcome.json", 1 << 20);
  if (!text) return std::nullopt;
  try {
    auto o = parse_json(*text).as_object();
    if (text_of(o, "sha256") != facts.sha256) return std::nullopt;
    Outcome out;
    out.state = text_of(o, "state");
    out.reason = text_of(o, "reason");
    if (auto* r = o.if_contains("receipt"); r && r->is_object()) {
      out.receipt.undo = r->at("undo").as_object();
      out.receipt.output = r->at("output").as_object();
      for (auto& c : r->at("changes").as_array()) out.receipt.changes.emplace_back(c.as_string());
    } else if (out.state != "rolled-back") {
      return std::nullopt;
    }
    return out;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

Status write_outcome(const std::filesystem::path& dir, const Facts& facts, const std::string& state, const Receipt* receipt,
                     const std::string& reason = "") {
  json::object o{{"sha256", facts.sha256}, {"state", state}};
  if (receipt) o["receipt"] = outcome_receipt(*receipt);
  if (!reason.empty()) o["reason"] = reason;
  return write_file_atomically(dir / "outcome.json", to_json_text(o), 0600);
}

Status run_step(std::string_view key, const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  auto run = run_argv(argv, timeout, std::string(key).c_str());
  if (!run) return run.error();
  if (run->exit_code != 0) return failure(std::string(key) + " failed: " + describe_exit(argv, *run));
  return {};
}

// Runs the receipt's rollback after `why`; the step's error either way.
Error roll_back(const Receipt& receipt, const std::filesystem::path& dir, const Facts& facts, const std::string& why,
                std::chrono::milliseconds timeout) {
  auto rollback = argv_of(receipt.undo, "rollback");
  std::string what = text_of(receipt.undo, "what"), before = text_of(receipt.undo, "version_before");
  if (rollback.empty()) return failure(why + "; no `rollback` was given, so " + what + " stays as the install left it");
  if (auto undone = run_step("rollback", rollback, timeout); !undone)
    return failure(why + "; the rollback failed too: " + undone.error().message);
  (void)write_outcome(dir, facts, "rolled-back", nullptr, why);
  return failure(why + "; rolled back (" + (before.empty() ? "nothing was installed before" : "had " + before) + ")");
}

// After the install: restart, then the health check until it passes or its
// tries run out (then rollback). A controller gone meanwhile stops the
// retries, never the install: the outcome stays "installed" and the next
// attempt checks health again rather than installing or rolling back.
Result<Receipt> check_health(const json::object& params, StepContext& context, const Facts& facts,
                             const std::filesystem::path& dir, Receipt receipt, std::chrono::milliseconds timeout) {
  std::string what = text_of(receipt.undo, "what");
  auto restart = argv_of(receipt.undo, "restart");
  if (!restart.empty() && !std::filesystem::exists(dir / "restart.done")) {
    if (auto s = run_step("restart", restart, timeout); !s) return roll_back(receipt, dir, facts, s.error().message, timeout);
    (void)write_file_atomically(dir / "restart.done", "", 0600);
  }
  if (auto health = argv_of(receipt.undo, "health"); !health.empty()) {
    auto tries = params.if_contains("health_retries") && params.at("health_retries").is_int64() ? params.at("health_retries").get_int64() : 3;
    auto delay = duration_param(params, "health_delay", std::chrono::seconds(2));
    if (!delay) return delay.error();
    std::string last;
    bool healthy = false, stopped = false;
    for (std::int64_t i = 0; i < tries && !healthy; ++i) {
      if (i > 0) {
        if (context.should_stop()) {
          stopped = true;
          break;
        }
        std::this_thread::sleep_for(*delay);
      }
      auto run = run_argv(health, std::chrono::minutes(2), "health");
      if (!run) return roll_back(receipt, dir, facts, run.error().message, timeout);
      healthy = run->exit_code == 0;
      if (!healthy) last = describe_exit(health, *run);
    }
    if (!healthy && (stopped || context.should_stop()))
      return interruption(what + " is installed and its health check has not passed yet (" + last +
                          "); stopped before trying again: the next attempt checks its health, never installs again");
    if (!healthy) return roll_back(receipt, dir, facts, "unhealthy after installing " + what + ": " + last, timeout);
  }
  if (facts.kind == "deb") {
    auto found = installed_package(facts.package);
    if (found && found->installed) {
      receipt.undo["version"] = found->version;
      receipt.output["version"] = found->version;
    }
  }
  // Before the answer: a lost answer is recovered from here.
  if (auto s = write_outcome(dir, facts, "patched", &receipt); !s) return s.error();
  return receipt;
}

class ReleasePush final : public Module {
 public:
  std::string_view name() const override { return "release.push"; }

  std::vector<StaticIssue> check_static(const json::object& with) const override {
    std::vector<StaticIssue> issues;
    if (with.contains("artifact_facts")) issues.push_back({"artifact_facts", "is set by the controller, never in a playbook"});
    // Shapes known before the run (no template inside) are checked now.
    auto fixed = [&](std::string_view key) -> const json::value* {
      auto* v = with.if_contains(key);
      return v && to_json_text(*v).find("{{") == std::string::npos ? v : nullptr;
    };
    if (auto* canary = fixed("canary"))
      if (auto checked = release_waves(canary, nullptr, {}); !checked) issues.push_back({"canary", checked.error().message});
    if (auto* waves = fixed("waves"))
      if (auto checked = release_waves(nullptr, waves, {}); !checked) issues.push_back({"waves", checked.error().message});
    return issues;
  }

  Result<HostDelivery> prepare_on_controller(const json::object& params, StepContext& controller) const override {
    if (params.contains("artifact_facts")) return bad_input("release.push: `artifact_facts` is set by the controller, never in a playbook");
    std::filesystem::path artifact = text_of(params, "artifact");
    if (artifact.is_relative() && !controller.playbook_dir.empty()) artifact = controller.playbook_dir / artifact;
    std::filesystem::path signature = text_of(params, "signature");
    if (signature.empty()) signature = artifact.string() + ".sig";
    else if (signature.is_relative() && !controller.playbook_dir.empty()) signature = controller.playbook_dir / signature;
    std::string key_name = text_of(params, "key");
    if (key_name.empty()) key_name = "release";
    if (!controller.config) return bad_input("release.push: no configuration to find key `" + key_name + "` in");
    auto key = controller.config->keys.find(key_name);
    if (key == controller.config->keys.end())
      return bad_input("release.push: the configuration has no key `" + key_name + "` under `keys:` (a PEM public key, e.g. `keys: {" +
                       key_name + ": /etc/responder/release.pub}`)");
    std::uint64_t limit = kDefaultMaxArtifactBytes;
    auto section = controller.config->section("release");
    if (auto* m = section.if_contains("max_artifact_bytes"); m && m->is_int64() && m->get_int64() > 0)
      limit = static_cast<std::uint64_t>(m->get_int64());

    auto verified = verify_artifact_signature(artifact, signature, controller.config->beside(key->second), limit);
    if (!verified) {
      if (verified.error().kind == ErrorKind::refused)
        return refusal(verified.error().message + "; nothing was sent to any host");
      return verified.error();
    }
    std::string kind = text_of(params, "kind");
    if (kind.empty()) kind = artifact_kind_from_name(artifact);
    std::string package, version = text_of(params, "version");
    if (kind == "deb") {
      auto fields = deb_fields(*verified->bytes, artifact.string());
      if (!fields) return fields.error();
      package = fields->package;
      if (!version.empty() && version != fields->version)
        return bad_input("release.push: `version` " + version + " is not the package's own (" + fields->version + ")");
      version = fields->version;
    } else {
      if (version.empty()) return bad_input("release.push: a " + kind + " needs `version`");
      if (argv_of(params, "check").empty())
        return bad_input("release.push: a " + kind + " needs `check` (exit 0: the host has the fix, 1: it needs it)");
      if (argv_of(params, "install").empty()) return bad_input("release.push: a " + kind + " needs `install`");
    }
    HostDelivery delivery;
    delivery.params = params;
    delivery.params["artifact_facts"] = json::object{{"sha256", verified->artifact_sha256},
                                                     {"size", verified->artifact_size},
                                                     {"kind", kind},
                                                     {"package", package},
                                                     {"version", version},
                                                     {"name", artifact.filename().string()},
                                                     {"signature_algorithm", verified->algorithm},
                                                     {"key_sha256", verified->key_sha256}};
    delivery.attachment = verified->bytes;
    delivery.attachment_sha256 = verified->artifact_sha256;
    return delivery;
  }

  Result<std::vector<HostBatch>> order_hosts(const json::object& params, const std::vector<PlannedHost>& hosts) const override {
    return release_waves(params.if_contains("canary"), params.if_contains("waves"), hosts);
  }

  Result<PlanResult> plan(const json::object& params, StepContext&) const override {
    auto facts = facts_of(params);
    if (!facts) return facts.error();
    auto host = host_state(params, *facts);
    if (!host) return host.error();
    PlanResult plan;
    std::string what = facts->kind == "deb" ? facts->package + " " + facts->version : facts->name + " " + facts->version;
    if (host->state == "needs-patch") {
      std::string steps;
      if (!argv_of(params, "backup").empty()) steps += "back up, ";
      steps += "install";
      if (!argv_of(params, "restart").empty()) steps += ", restart";
      if (!argv_of(params, "health").empty()) steps += ", health check";
      plan.changes.push_back("install " + what + " (has " + (host->installed.empty() ? "none" : host->installed) + "): " + steps +
                             (argv_of(params, "rollback").empty() ? "; no rollback given" : ", rolled back if unhealthy"));
    }
    plan.detail = json::object{{"state", host->state},
                               {"os", os_release_group()},
                               {"installed", host->installed},
                               {"fixed", facts->version},
                               {"package", facts->package},
                               {"artifact_sha256", facts->sha256}};
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    auto facts = facts_of(params);
    if (!facts) return facts.error();
    std::string what = facts->kind == "deb" ? facts->package + " " + facts->version : facts->name + " " + facts->version;
    auto dir = release_dir(context, false);
    if (!dir) return dir.error();
    auto timeout = duration_param(params, "install_timeout", std::chrono::minutes(10));
    if (!timeout) return timeout.error();
    // An earlier attempt of this very release got this far here: a lost
    // answer or a controller gone mid-install never installs twice.
    if (auto earlier = read_outcome(*dir, *facts)) {
      if (earlier->state == "patched") return earlier->receipt;
      if (earlier->state == "installed") return check_health(params, context, *facts, *dir, earlier->receipt, *timeout);
      if (earlier->state == "rolled-back")
        return failure("this artifact was already installed here, found unhealthy and rolled back (" + earlier->reason +
                       "); it is not installed again: a new release is");
    }
    // Checked before anything is done: a bad value never stops a release
    // half-way.
    if (auto delay = duration_param(params, "health_delay", std::chrono::seconds(2)); !delay) return delay.error();
    auto host = host_state(params, *facts);
    if (!host) return host.error();
    if (host->state != "needs-patch") {
      Receipt unchanged;
      unchanged.output = json::object{{"state", host->state}, {"package", facts->package},
                                      {"version_before", host->installed}, {"version", host->installed}};
      return unchanged;
    }
    if (auto made = release_dir(context, true); !made) return made.error();
    if (!context.attachment) return bad_input("release.push: the artifact did not come with the request");
    if (context.attachment->sha256() != facts->sha256)
      return refusal("the artifact received (sha256 " + context.attachment->sha256() + ") is not the one whose signature verified (" +
                     facts->sha256 + "): nothing was installed");
    auto values = placeholders_for(*facts, context.attachment->path().string(), (*dir / "backup").string(), host->installed);
    auto step_argv = [&](std::string_view key) { return fill_host_placeholders(argv_of(params, key), values); };

    Receipt receipt;
    receipt.undo = json::object{{"rollback", string_array(step_argv("rollback"))},
                                {"restart", string_array(step_argv("restart"))},
                                {"health", string_array(step_argv("health"))},
                                {"package", facts->package},
                                {"version_before", host->installed},
                                {"version", facts->version},
                                {"what", what}};
    receipt.output = json::object{{"state", "patched"}, {"package", facts->package}, {"version_before", host->installed},
                                  {"version", facts->version}};
    receipt.changes.push_back("installed " + what + (host->installed.empty() ? "" : " (was " + host->installed + ")"));

    if (auto backup = step_argv("backup"); !backup.empty() && !std::filesystem::exists(*dir / "backup.done")) {
      if (auto s = run_step("backup", backup, *timeout); !s) return failure(s.error().message + "; nothing was installed");
      if (auto s = write_file_atomically(*dir / "backup.done", host->installed + "\n", 0600); !s) return s.error();
    }
    std::vector<std::string> install = step_argv("install");
    if (install.empty() && facts->kind == "deb") install = {"dpkg", "-i", values["artifact"]};
    if (auto s = run_step("install", install, *timeout); !s) return roll_back(receipt, *dir, *facts, s.error().message, *timeout);
    // Installed: from here on a later attempt checks health, never installs.
    if (auto s = write_outcome(*dir, *facts, "installed", &receipt); !s) return s.error();
    return check_health(params, context, *facts, *dir, receipt, *timeout);
  }

  Result<Verification> verify(const json::object& params, const Receipt* receipt, const json::object& planned,
                              StepContext& context) const override {
    auto facts = facts_of(params);
    if (!facts) return facts.error();
    Verification v;
    if (receipt && receipt->undo.empty()) {
      // Nothing was installed: the host was already patched or not affected.
      v.in_effect = true;
      v.detail = text_of(receipt->output, "state");
      return v;
    }
    auto host = host_state(params, *facts);
    if (!host) return host.error();
    v.in_effect = host->state == "already-patched";
    v.detail = v.in_effect ? "has " + (host->installed.empty() ? facts->version : host->installed)
                           : "has " + (host->installed.empty() ? "none" : host->installed) + ", not " + facts->version;
    if (!receipt && !v.in_effect) {
      if (auto dir = release_dir(context, false))
        if (auto earlier = read_outcome(*dir, *facts); earlier && earlier->state == "rolled-back")
          v.detail = "rolled back after installing: " + earlier->reason;
    }
    if (!receipt && v.in_effect) {
      auto dir = release_dir(context, false);
      if (!dir) return dir.error();
      auto earlier = read_outcome(*dir, *facts);
      if (earlier && earlier->state == "patched") {
        v.recovered = earlier->receipt;
      } else if (text_of(planned, "state") == "needs-patch") {
        // Installed by an attempt that stopped before its health check
        // passed (or before it could say so): not in effect until it does;
        // the next attempt checks health and never installs again.
        if (!earlier || earlier->state != "installed") {
          Receipt installed;
          auto values = placeholders_for(*facts, "", (*dir / "backup").string(), text_of(planned, "installed"));
          installed.undo = json::object{{"rollback", string_array(fill_host_placeholders(argv_of(params, "rollback"), values))},
                                        {"restart", string_array(fill_host_placeholders(argv_of(params, "restart"), values))},
                                        {"health", string_array(fill_host_placeholders(argv_of(params, "health"), values))},
                                        {"package", facts->package},
                                        {"version_before", text_of(planned, "installed")},
                                        {"version", host->installed},
                                        {"what", what_of(*facts)}};
          installed.output = json::object{{"state", "patched"}, {"package", facts->package},
                                          {"version_before", text_of(planned, "installed")}, {"version", host->installed}};
          installed.changes.push_back("installed " + what_of(*facts));
          if (auto made = release_dir(context, true); !made) return made.error();
          if (auto s = write_outcome(*dir, *facts, "installed", &installed); !s) return s.error();
        }
        v.in_effect = false;
        v.detail = "installed, but its health check has not passed yet: the next attempt checks it, never installs again";
        return v;
      }
      if (!v.recovered && text_of(planned, "state") != "needs-patch") {
        // Nothing was to be installed here.
        Receipt unchanged;
        unchanged.output = json::object{{"state", text_of(planned, "state")}, {"package", facts->package},
                                        {"version_before", host->installed}, {"version", host->installed}};
        v.recovered = unchanged;
      }
    }
    if (!receipt && !v.in_effect && text_of(planned, "state") == "not-affected") {
      v.in_effect = true;
      v.detail = "not affected";
      Receipt unchanged;
      unchanged.output = json::object{{"state", "not-affected"}, {"package", facts->package}};
      v.recovered = unchanged;
    }
    return v;
  }

  std::vector<std::string> undone_lines(const Receipt& receipt) const override {
    if (receipt.undo.empty()) return {"nothing to give back: this host was not patched by the step"};
    std::string package = text_of(receipt.undo, "package"), before = text_of(receipt.undo, "version_before");
    std::string what = text_of(receipt.undo, "what");
    if (!package.empty() && !before.empty())
      return {"rolled back " + what + ": the journaled rollback ran, for " + package + " " + before + " again"};
    return {"rolled back " + what + " (the journaled rollback ran)"};
  }

  Status undo(const Receipt& receipt, StepContext& context) const override {
    if (receipt.undo.empty()) return {};
    auto rollback = argv_of(receipt.undo, "rollback");
    std::string what = text_of(receipt.undo, "what");
    if (rollback.empty())
      return failure("no `rollback` was given for this release: " + what + " stays installed");
    auto run = run_argv(rollback, std::chrono::minutes(10), "rollback");
    if (!run) return run.error();
    if (run->exit_code != 0) return failure("rollback failed: " + describe_exit(rollback, *run));
    if (auto dir = release_dir(context, false))
      (void)write_file_atomically(*dir / "outcome.json", to_json_text(json::object{{"state", "rolled-back"}}), 0600);
    return {};
  }
};

RESPONDER_MODULE(ReleasePush);

}  // namespace
}  // namespace responder::release
