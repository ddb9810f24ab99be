#include "release/ansible_export.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "release/param_values.h"
#include "responder/durable_file.h"
#include "responder/printable_text.h"

namespace responder::release {
namespace {

// A YAML double-quoted scalar (JSON's string syntax is YAML's).
std::string quoted(const std::string& text) { return to_json_text(json::string(text)); }

// Text Jinja must never read.
std::string unsafe(const std::string& text) { return "!unsafe " + quoted(text); }

// `text` as a Jinja expression that Ansible evaluates to exactly it. No
// backslash may appear in it: Ansible doubles every backslash inside a
// string literal of `{{ }}` before Jinja reads it (_escape_backslashes), so
// `\\` and `\'` cannot be written there. A backslash or a single quote is
// made by `'%c' | format(N)` instead (so is a control character), and
// joined with `~`.
std::string jinja_literal(const std::string& text) {
  std::string out, run;
  auto add = [&](const std::string& part) { out += (out.empty() ? "" : " ~ ") + part; };
  for (char c : text) {
    // Jinja also reads a carriage return in a literal as a newline.
    if (c == '\\' || c == '\'' || static_cast<unsigned char>(c) < 0x20) {
      if (!run.empty()) add("'" + run + "'");
      run.clear();
      add("('%c' | format(" + std::to_string(static_cast<unsigned char>(c)) + "))");
    } else {
      run += c;
    }
  }
  if (!run.empty() || out.empty()) add("'" + run + "'");
  return "(" + out + ")";
}

// The host placeholders, as the Ansible variables the tasks set.
const std::map<std::string, std::string>& placeholder_vars() {
  static const std::map<std::string, std::string> vars{{"artifact", "responder_artifact"},
                                                       {"backup_dir", "responder_backup_dir"},
                                                       {"version", "responder_version"},
                                                       {"package", "responder_package"},
                                                       {"previous_version", "responder_installed[2:]"}};
  return vars;
}

// One argv word as a Jinja expression: its literal parts as string
// literals, its placeholders as the tasks' variables, joined with `~`.
std::string word_expression(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t next = std::string::npos;
    std::string var, mark;
    for (auto& [name, v] : placeholder_vars()) {
      std::string m = "{{ " + name + " }}";
      auto at = text.find(m, pos);
      if (at < next) {
        next = at;
        var = v;
        mark = m;
      }
    }
    if (next == std::string::npos) {
      parts.push_back(jinja_literal(text.substr(pos)));
      break;
    }
    if (next > pos) parts.push_back(jinja_literal(text.substr(pos, next - pos)));
    parts.push_back("(" + var + " | string)");
    pos = next + mark.size();
  }
  if (parts.empty()) return "''";
  std::string expression;
  for (auto& p : parts) expression += (expression.empty() ? "" : " ~ ") + p;
  return expression;
}

// An argv as Ansible's command module must run it: unchanged. The words go
// as one Jinja list expression, so none is converted on its own (a word
// that alone rendered as "[1]", "{...}" or "True" would become a list, a
// dict or a bool); and through Python's exec, base64-encoded, because the
// module in ansible-core 2.14 expands $VAR and ~ in every word it is given,
// where release.push runs its argv as written.
std::string argv_yaml(const std::vector<std::string>& argv) {
  std::string expression;
  for (auto& w : argv) expression += (expression.empty() ? "" : ", ") + word_expression(w);
  return "[/usr/bin/python3, -c, " +
         unsafe("import base64, json, os, sys; argv = json.loads(base64.b64decode(sys.argv[1])); os.execvp(argv[0], argv)") + ", " +
         quoted("{{ [" + expression + "] | to_json | b64encode }}") + "]";
}

// One word for the shell-like split Ansible applies to ssh argument strings
// (shlex): as is when plain, else single-quoted.
std::string shlex_word(const std::string& word) {
  bool plain = !word.empty();
  for (char c : word)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::string_view("@%+=:,./-_").find(c) != std::string_view::npos);
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return out + "'";
}

// A host's entry in the YAML inventory: how responder reaches it, each
// value `!unsafe` (Jinja never reads an address, user or path).
std::string inventory_host(const StepHost& host, const std::filesystem::path& ssh_config) {
  std::vector<std::pair<std::string, std::string>> vars;
  auto& r = host.reach;
  if (auto address = text_of(r, "address"); !address.empty()) vars.emplace_back("ansible_host", unsafe(address));
  if (auto* port = r.if_contains("port"); port && port->is_int64()) vars.emplace_back("ansible_port", std::to_string(port->get_int64()));
  if (auto user = text_of(r, "user"); !user.empty()) vars.emplace_back("ansible_user", unsafe(user));
  if (auto key = text_of(r, "private_key_file"); !key.empty()) vars.emplace_back("ansible_ssh_private_key_file", unsafe(key));
  std::string common;
  if (!ssh_config.empty()) common = "-F " + shlex_word(ssh_config.string());
  if (auto* args = r.if_contains("ssh_common_args"); args && args->is_array())
    for (auto& a : args->get_array())
      if (a.is_string()) common += (common.empty() ? "" : " ") + shlex_word(std::string(a.get_string()));
  if (!common.empty()) vars.emplace_back("ansible_ssh_common_args", unsafe(common));
  if (text_of(r, "transport") == "local") vars.emplace_back("ansible_connection", "local");
  vars.emplace_back("ansible_python_interpreter", "/usr/bin/python3");
  std::string out = "        " + quoted(host.name) + ":\n";
  for (auto& [k, v] : vars) out += "          " + k + ": " + v + "\n";
  return out;
}

std::string tasks_yaml(const AnsibleExport& release) {
  const json::object& p = release.params;
  const json::object& facts = p.at("artifact_facts").as_object();
  std::string kind = text_of(facts, "kind"), package = text_of(facts, "package"), version = text_of(facts, "version");
  std::string name = text_of(facts, "name"), sha = text_of(facts, "sha256");
  std::string dir = exported_release_dir(release);
  bool if_missing = p.if_contains("install_if_missing") && p.at("install_if_missing").is_bool() && p.at("install_if_missing").get_bool();
  std::vector<std::string> install = argv_of(p, "install");
  if (install.empty() && kind == "deb") install = {"dpkg", "-i", "{{ artifact }}"};
  std::int64_t retries = p.if_contains("health_retries") && p.at("health_retries").is_int64() ? p.at("health_retries").get_int64() : 3;
  std::string delay = text_of(p, "health_delay");
  int delay_s = 2;
  if (!delay.empty()) {
    // Ansible's delay is whole seconds.
    std::size_t digits = 0;
    while (digits < delay.size() && std::isdigit(static_cast<unsigned char>(delay[digits]))) ++digits;
    int n = digits ? std::stoi(delay.substr(0, std::min<std::size_t>(digits, 6))) : 2;
    std::string unit = delay.substr(digits);
    delay_s = unit == "m" ? n * 60 : unit == "h" ? n * 3600 : unit == "ms" ? (n + 999) / 1000 : n;
  }

  std::ostringstream y;
  y << "# Written by `responder release export` for incident " << release.incident << ", step " << release.step << ".\n"
    << "# What each host does is what release.push does there; the host's result goes to results/HOST.json.\n"
    << "- name: the release on this host\n"
    << "  block:\n"
    // Text from a host (a version, a check's output, an error) is kept behind
    // a two-letter prefix and read back as [2:] inside expressions: a
    // set_fact value that alone looked like "[1]", "{...}" or "True" would
    // be turned into a list, a dict or a bool by Ansible.
    << "    - ansible.builtin.set_fact:\n"
    << "        responder_state: pending\n"
    << "        responder_detail: d=\n"
    << "        responder_installed: v=\n"
    << "        responder_now: v=\n"
    << "        responder_artifact: " << unsafe(dir + "/" + sha + "-" + name) << "\n"
    << "        responder_backup_dir: " << unsafe(dir + "/backup") << "\n"
    << "        responder_version: " << unsafe(version) << "\n"
    << "        responder_package: " << unsafe(package) << "\n";
  if (kind == "deb") {
    // As read_dpkg_query (host_package.h): a line per architecture; one
    // with files on disk but not configured needs the patch.
    y << "    - name: what dpkg has of the package\n"
      << "      ansible.builtin.command:\n"
      << "        argv: [dpkg-query, -W, " << unsafe("-f=${db:Status-Abbrev}\t${Version}\n") << ", --, " << unsafe(package) << "]\n"
      << "      register: responder_query\n"
      << "      changed_when: false\n"
      << "      failed_when: responder_query.rc not in [0, 1]\n"
      << "    - ansible.builtin.set_fact:\n"
      << "        responder_partial: \"{{ responder_query.rc == 0 and (responder_query.stdout_lines | select('match', '^.[HUFWt]') | "
         "list | length > 0) }}\"\n"
      // The first installed line's version, else the first partial one's.
      << "        responder_installed: \"v={{ (((responder_query.stdout_lines | select('match', '^.i') | list) + "
         "(responder_query.stdout_lines | select('match', '^.[HUFWt]') | list)) | first | default('')).split('\\t')[1] | "
         "default('') | trim if responder_query.rc == 0 else '' }}\"\n"
      << "    - name: whether it is older than the fix (dpkg compares)\n"
      << "      ansible.builtin.command:\n"
      << "        argv: " << quoted("{{ ['dpkg', '--compare-versions', responder_installed[2:], 'lt', " + jinja_literal(version) + "] }}")
      << "\n"
      << "      register: responder_compare\n"
      << "      changed_when: false\n"
      << "      failed_when: responder_compare.rc not in [0, 1]\n"
      << "      when: responder_installed != 'v=' and not (responder_partial | bool)\n"
      << "    - ansible.builtin.set_fact:\n"
      << "        responder_state: \"{{ 'needs-patch' if (responder_partial | bool) else ('" << (if_missing ? "needs-patch" : "not-affected")
      << "') if responder_installed == 'v=' else ('needs-patch' if responder_compare.rc == 0 else 'already-patched') }}\"\n";
  } else {
    y << "    - name: the release's check\n"
      << "      ansible.builtin.command:\n"
      << "        argv: " << argv_yaml(argv_of(p, "check")) << "\n"
      << "      register: responder_check\n"
      << "      changed_when: false\n"
      << "      failed_when: responder_check.rc not in [0, 1]\n"
      << "    - ansible.builtin.set_fact:\n"
      << "        responder_installed: \"v={{ responder_check.stdout_lines[0] | default('') }}\"\n"
      << "        responder_state: \"{{ 'already-patched' if responder_check.rc == 0 else 'needs-patch' }}\"\n";
  }
  // A block's `when` is asked again before each of its tasks: decided once.
  y << "    - ansible.builtin.set_fact: {responder_needs: \"{{ responder_state == 'needs-patch' }}\"}\n"
    << "    - name: install where needed\n"
    << "      when: responder_needs | bool\n"
    << "      block:\n"
    << "        - ansible.builtin.file: {path: " << unsafe(dir + "/backup") << ", state: directory, mode: \"0700\"}\n"
    << "        - ansible.builtin.copy: {src: " << unsafe("files/" + name) << ", dest: \"{{ responder_artifact }}\", mode: \"0600\"}\n"
    << "        - ansible.builtin.stat: {path: \"{{ responder_artifact }}\", checksum_algorithm: sha256}\n"
    << "          register: responder_copy\n"
    << "        - ansible.builtin.assert:\n"
    << "            that: responder_copy.stat.checksum == " << quoted(sha) << "\n"
    << "            fail_msg: the copy on this host is not the artifact whose signature verified\n";
  if (auto backup = argv_of(p, "backup"); !backup.empty())
    y << "        - name: back up (once)\n"
      << "          ansible.builtin.command:\n"
      << "            argv: " << argv_yaml(backup) << "\n"
      << "            creates: " << unsafe(dir + "/backup.done") << "\n"
      << "        - ansible.builtin.copy: {content: \"installed before: {{ responder_installed[2:] }}\\n\", dest: " << unsafe(dir + "/backup.done")
      << ", mode: \"0600\", force: false}\n";
  y << "        - ansible.builtin.set_fact: {responder_state: installing}\n"
    << "        - name: install\n"
    << "          ansible.builtin.command:\n"
    << "            argv: " << argv_yaml(install) << "\n";
  if (auto restart = argv_of(p, "restart"); !restart.empty())
    y << "        - name: restart\n"
      << "          ansible.builtin.command:\n"
      << "            argv: " << argv_yaml(restart) << "\n";
  if (auto health = argv_of(p, "health"); !health.empty())
    y << "        - name: health\n"
      << "          ansible.builtin.command:\n"
      << "            argv: " << argv_yaml(health) << "\n"
      << "          register: responder_health\n"
      << "          changed_when: false\n"
      << "          until: responder_health.rc == 0\n"
      // Ansible tries an `until` task retries+1 times; health_retries counts every try.
      << "          retries: " << std::max<std::int64_t>(retries - 1, 0) << "\n"
      << "          delay: " << delay_s << "\n";
  y << "        - ansible.builtin.set_fact: {responder_state: patched}\n"
    << "  rescue:\n"
    << "    - ansible.builtin.set_fact:\n"
    << "        responder_detail: \"d={{ ansible_failed_result.msg | default(ansible_failed_result.stderr | default('failed')) | string | "
       "truncate(300) }}\"\n";
  if (auto rollback = argv_of(p, "rollback"); !rollback.empty())
    y << "    - name: roll back\n"
      << "      ansible.builtin.command:\n"
      << "        argv: " << argv_yaml(rollback) << "\n"
      << "      when: responder_state == 'installing'\n"
      << "      register: responder_rollback\n"
      << "      failed_when: false\n"
      << "    - ansible.builtin.set_fact:\n"
      << "        responder_detail: \"{{ responder_detail }}; the rollback failed too: {{ responder_rollback.stderr | default('') | "
         "truncate(200) }}\"\n"
      << "      when: responder_state == 'installing' and responder_rollback.rc | default(0) != 0\n"
      << "    - ansible.builtin.set_fact: {responder_state: rolled-back}\n"
      << "      when: responder_state == 'installing' and responder_rollback.rc | default(1) == 0\n";
  y << "    - ansible.builtin.set_fact: {responder_state: failed}\n"
    << "      when: responder_state != 'rolled-back'\n"
    << "  always:\n";
  if (kind == "deb")
    y << "    - ansible.builtin.command:\n"
      << "        argv: [dpkg-query, -W, " << unsafe("-f=${db:Status-Abbrev}\t${Version}\n") << ", --, " << unsafe(package) << "]\n"
      << "      register: responder_after\n"
      << "      changed_when: false\n"
      << "      failed_when: false\n"
      << "    - ansible.builtin.set_fact:\n"
      << "        responder_now: \"v={{ (responder_after.stdout_lines | default([]) | select('match', '^.i') | first | "
         "default('')).split('\\t')[1] | default('') | trim }}\"\n";
  else
    y << "    - ansible.builtin.set_fact: {responder_now: \"v={{ responder_version if responder_state == 'patched' else "
         "responder_installed[2:] }}\"}\n";
  y << "    - ansible.builtin.set_fact:\n"
    // One dict expression, so that no value is converted on its own.
    << "        responder_result: "
    << quoted("{{ {'incident': " + jinja_literal(release.incident) + ", 'step': " + jinja_literal(release.step) +
              ", 'sha256': " + jinja_literal(sha) +
              ", 'host': inventory_hostname | string, 'state': responder_state | string, 'version_before': "
              "responder_installed[2:], 'version': responder_now[2:], 'detail': responder_detail[2:], 'backup_dir': "
              "responder_backup_dir | string} }}")
    << "\n"
    << "    - ansible.builtin.copy:\n"
    << "        content: \"{{ responder_result | to_json }}\\n\"\n"
    << "        dest: \"{{ playbook_dir }}/results/{{ inventory_hostname }}.json\"\n"
    << "        mode: \"0600\"\n"
    << "      delegate_to: localhost\n"
    << "    - ansible.builtin.set_stats:\n"
    << "        data: {responder_release: \"{{ {inventory_hostname: responder_result} }}\"}\n"
    << "    - ansible.builtin.fail: {msg: \"{{ responder_state }}: {{ responder_detail[2:] }}\"}\n"
    << "      when: responder_state in ['failed', 'rolled-back']\n";
  return y.str();
}

std::string playbook_yaml(const AnsibleExport& release) {
  std::ostringstream y;
  std::string serial;
  for (auto& w : release.waves) serial += (serial.empty() ? "" : ", ") + to_json_text(w);
  if (serial.empty()) serial = "\"100%\"";
  y << "# Written by `responder release export` for incident " << release.incident << ", step " << release.step
    << " (journal head " << release.journal_head << ").\n"
    << "# Run:  ansible-playbook -i inventory.yml release.yml\n"
    << "# Then: responder release import " << release.incident << " results/\n";
  if (!release.canary.empty())
    y << "- name: " << quoted("responder release " + release.incident + "/" + release.step + ": canary") << "\n"
      << "  hosts: responder_canary\n"
      << "  gather_facts: false\n"
      << "  any_errors_fatal: true\n"
      << "  max_fail_percentage: 0\n"
      << "  tasks:\n"
      << "    - ansible.builtin.include_tasks: release-tasks.yml\n";
  y << "- name: " << quoted("responder release " + release.incident + "/" + release.step + ": waves") << "\n"
    << "  hosts: \"responder_release:!responder_canary\"\n"
    << "  gather_facts: false\n"
    << "  serial: [" << serial << "]\n"
    << "  max_fail_percentage: " << release.max_fail_percentage << "\n"
    << "  tasks:\n"
    << "    - ansible.builtin.include_tasks: release-tasks.yml\n";
  return y.str();
}

}  // namespace

std::string exported_release_dir(const AnsibleExport& release) {
  // As release.push's far side names it.
  return release.state_dir + "/" + release.incident + (release.instance.empty() ? "" : "-" + release.instance.substr(0, 16)) + "/" +
         release.step;
}

std::string exported_backup_dir(const AnsibleExport& release) { return exported_release_dir(release) + "/backup"; }

Status write_ansible_export(const AnsibleExport& release, const std::filesystem::path& dir) {
  auto* facts = release.params.if_contains("artifact_facts");
  if (!facts || !facts->is_object() || !release.artifact) return bad_input("the release has no verified artifact to export");
  for (auto& h : release.hosts)
    if (text_of(h.reach, "transport") == "namespace")
      return bad_input("host " + h.name + " is a namespace host, which Ansible cannot reach");
  // YAML refuses control characters and invalid UTF-8: such a parameter
  // is the playbook's error, said before anything is written.
  const json::value all(release.params);
  std::vector<const json::value*> texts{&all};
  while (!texts.empty()) {
    const json::value* v = texts.back();
    texts.pop_back();
    if (v->is_string()) {
      if (auto bad = first_unprintable(v->get_string()))
        return bad_input("a release.push parameter cannot be written for Ansible: " + bad->message);
    } else if (v->is_array()) {
      for (auto& item : v->get_array()) texts.push_back(&item);
    } else if (v->is_object()) {
      for (auto& [k, item] : v->get_object()) texts.push_back(&item);
    }
  }
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec))
    return bad_input(dir.string() + " is not empty: export into a new directory");
  std::filesystem::create_directories(dir / "files", ec);
  if (!ec) std::filesystem::create_directories(dir / "results", ec);
  if (ec) return failure("cannot make " + dir.string() + ": " + ec.message());

  std::set<std::string> canary(release.canary.begin(), release.canary.end());
  std::string inventory = "# Written by `responder release export`: the hosts of step " + release.step + " of incident " +
                          release.incident + " not yet patched.\nall:\n  children:\n    responder_release:\n      hosts:\n";
  for (auto& h : release.hosts) inventory += inventory_host(h, release.ssh_config);
  inventory += canary.empty() ? "    responder_canary:\n      hosts: {}\n" : "    responder_canary:\n      hosts:\n";
  for (auto& h : release.hosts)
    if (canary.count(h.name)) inventory += "        " + quoted(h.name) + ": {}\n";
  json::array names;
  for (auto& h : release.hosts) names.push_back(json::string(h.name));
  json::object manifest{{"incident", release.incident},
                        {"step", release.step},
                        {"artifact_sha256", text_of(facts->get_object(), "sha256")},
                        {"artifact", text_of(facts->get_object(), "name")},
                        {"hosts", names},
                        {"canary", [&] {
                           json::array a;
                           for (auto& c : release.canary) a.push_back(json::string(c));
                           return a;
                         }()},
                        {"waves", release.waves},
                        {"backup_dir", exported_backup_dir(release)},
                        {"journal_head", release.journal_head}};
  std::string name = text_of(facts->get_object(), "name");
  for (auto& [file, text, mode] : std::vector<std::tuple<std::filesystem::path, std::string, unsigned>>{
           {dir / "inventory.yml", inventory, 0644},
           {dir / "release.yml", playbook_yaml(release), 0644},
           {dir / "release-tasks.yml", tasks_yaml(release), 0644},
           {dir / "responder-export.json", to_json_text(manifest) + "\n", 0644},
           {dir / "files" / name, *release.artifact, 0644}})
    if (auto written = write_file_atomically(file, text, mode); !written) return written.error();
  return {};
}

}  // namespace responder::release
