// `responder baseline record --out FILE [--paths P...]`: a signed
// known-good baseline of this host. `responder baseline compare [FILE]`:
// what baseline.compare concludes, outside any playbook.
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "forensics/baseline/baseline_compare_output.h"
#include "forensics/baseline/baseline_compare_request.h"
#include "forensics/baseline/baseline_recorder.h"
#include "responder/command.h"
#include "responder/environment.h"
#include "responder/exit_code.h"
#include "responder/interrupt.h"

namespace responder::baseline {
namespace {

struct BaselineArguments {
  std::string out, root = "/", key, baseline, public_key, fingerprint;
  std::vector<std::string> paths;
  bool no_packages = false, quiet = false;
  unsigned workers = 0;
};

int fail_with(const Error& error) {
  std::cerr << "responder baseline: " << error.message << "\n";
  return exit_code_for(error.kind);
}

int record_command(const Environment& env, const BaselineArguments& args) {
  auto key_path = configured_signing_key(args.key, &env.config);
  if (!key_path) return fail_with(key_path.error());
  // The key is loaded before hours of hashing, so a wrong one fails now.
  auto key = evidence::Ed25519Key::load(*key_path);
  if (!key) return fail_with(key.error());
  auto& interrupted = install_interrupt_handlers();
  RecordOptions options;
  options.root = args.root;
  if (!args.paths.empty()) options.paths = args.paths;
  options.workers = args.workers;
  if (!args.quiet) options.progress = stderr_progress("hashing");
  options.stop = [&interrupted] { return interrupted.load(); };
  auto recording = record_baseline(options);
  if (!recording) return fail_with(recording.error());
  auto written = write_baseline(*recording, args.out, *key);
  if (!written) return fail_with(written.error());
  auto& h = recording->header;
  if (env.json) {
    json::object o;
    o["baseline"] = args.out;
    o["signature"] = signature_path(args.out).string();
    o["sha256"] = written->sha256;
    o["size"] = written->size;
    o["key_fingerprint"] = written->key_fingerprint;
    o["header"] = h.to_json();
    std::cout << to_json_text(o) << "\n";
  } else {
    std::cout << "baseline of " << h.host << " written to " << args.out << " (" << written->size << " bytes), signature "
              << signature_path(args.out).string() << "\n";
    std::cout << "  " << h.counts["file"] << " files and folders (" << recording->bytes_hashed << " bytes hashed), ";
    bool first = true;
    for (auto& [kind, n] : h.counts) {
      if (kind == "file") continue;
      std::cout << (first ? "" : ", ") << n << " " << inventory_output_key(kind);
      first = false;
    }
    std::cout << "\n";
    for (auto& m : h.missing) std::cout << "  not on this host: " << m << "\n";
    for (auto& n : h.notes) std::cout << "  note: " << n << "\n";
    std::cout << "sha256 " << written->sha256 << "  (keep it apart from the host, for safekeeping)\n";
    std::cout << "signed by key " << written->key_fingerprint << "\n";
  }
  return kExitSuccess;
}

int compare_command(const Environment& env, const BaselineArguments& args) {
  CompareRequest request;
  request.baseline = args.baseline;
  request.public_key = args.public_key;
  request.key_fingerprint = args.fingerprint;
  request.options.root = args.root;
  request.options.paths = args.paths;
  request.options.packages = !args.no_packages;
  request.options.workers = args.workers;
  if (!args.quiet) request.options.progress = stderr_progress("comparing");
  auto& interrupted = install_interrupt_handlers();
  request.options.stop = [&interrupted] { return interrupted.load(); };
  auto outcome = run_comparison(request, &env.config);
  if (!outcome) return fail_with(outcome.error());
  if (env.json) std::cout << to_json_text(comparison_output(outcome->comparison, outcome->verdict)) << "\n";
  else
    for (auto& line : comparison_summary(outcome->comparison, outcome->verdict)) std::cout << line << "\n";
  return kExitSuccess;
}

void setup(CLI::App& command, const GlobalOptions& globals, CommandAction& action) {
  auto args = std::make_shared<BaselineArguments>();
  command.require_subcommand(1);
  auto* record = command.add_subcommand("record", "record a signed known-good baseline of this host");
  record->add_option("--out", args->out, "the baseline file to write (FILE.sig is written beside it)")->required()->type_name("FILE");
  record->add_option("--paths", args->paths, "paths and globs to record (default /etc /usr/bin /usr/sbin /usr/lib /bin /sbin /lib /boot /root/.ssh /home/*/.ssh /var/spool/cron)")
      ->type_name("PATH");
  record->add_option("--key", args->key, "PEM Ed25519 private key to sign with (default keys.evidence_signing from the configuration)")
      ->type_name("KEY.pem");
  record->add_option("--root", args->root, "record the tree under this folder as if it were / (a mounted image)")->type_name("DIR");
  record->add_option("--workers", args->workers, "hashing threads (default one per core)")->type_name("N");
  record->add_flag("--quiet", args->quiet, "no progress on stderr");
  record->footer("Examples:\n  responder baseline record --out /srv/baselines/web01.jsonl.gz\n"
                 "  responder baseline record --out web01.jsonl.gz --paths /etc /usr/bin --key /etc/responder/evidence.key");
  auto* compare = command.add_subcommand("compare", "compare this host with a baseline and the package database; print the verdict");
  compare->add_option("BASELINE", args->baseline, "the baseline file (FILE.sig beside it); none: the package database only")
      ->type_name("FILE");
  compare->add_option("--paths", args->paths, "paths and globs to compare (default the baseline's)")->type_name("PATH");
  compare->add_option("--public-key", args->public_key, "PEM Ed25519 public key the baseline must be signed with")->type_name("KEY.pub");
  compare->add_option("--fingerprint", args->fingerprint, "SHA-256 fingerprint of the signing key, as record printed it")
      ->type_name("SHA256");
  compare->add_flag("--no-packages", args->no_packages, "do not check packaged files against dpkg's MD5 sums");
  compare->add_option("--root", args->root, "compare the tree under this folder as if it were / (a mounted image)")->type_name("DIR");
  compare->add_option("--workers", args->workers, "hashing threads (default one per core)")->type_name("N");
  compare->add_flag("--quiet", args->quiet, "no progress on stderr");
  compare->footer("Examples:\n  responder baseline compare web01.jsonl.gz --public-key web-baselines.pub\n"
                  "  responder baseline compare            (packaged files only, like dpkg --verify)");
  command.footer("Examples:\n  responder baseline record --out /srv/baselines/web.jsonl.gz\n"
                 "  responder baseline compare /srv/baselines/web.jsonl.gz --public-key web-baselines.pub\n"
                 "Exit codes: 0 done (whatever the verdict), 2 bad input or a malformed baseline, 3 a baseline whose "
                 "signature does not verify.");
  action = [&globals, args, record, compare]() -> int {
    auto env = open_environment(globals);
    if (!env) return report_error(env.error());
    if (record->parsed()) return record_command(*env, *args);
    if (compare->parsed()) return compare_command(*env, *args);
    return kExitBadInput;
  };
}

const CommandRegistration registration{{"baseline", "record a signed known-good baseline; compare a host with it", 65, &setup}};

}  // namespace
}  // namespace responder::baseline
