#include "responder/report/patch_compliance.h"

#include <map>
#include <set>

#include "responder/journal_record_kind.h"

namespace responder {
namespace {

std::string text_in(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

struct Row {
  std::string state = "pending", version, version_before, time, detail;
};

}  // namespace

json::array patch_compliance_rows(const JournalContents& journal) {
  namespace kind = record_kind;
  std::set<std::string> releases, fleet;
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, Row> rows;
  auto row = [&](const std::string& step, const std::string& host) -> Row& {
    auto key = std::make_pair(step, host);
    if (!rows.count(key)) order.push_back(key);
    return rows[key];
  };
  for (auto& r : journal.records) {
    std::string step = r.text("step");
    if (step.empty()) continue;
    if (r.text("module") == "release.push") releases.insert(step);
    if (!releases.count(step)) continue;
    if (r.kind == kind::step_hosts) fleet.insert(step);
    if (r.kind == kind::step_hosts) {
      if (auto* hosts = r.fields.if_contains("hosts"); hosts && hosts->is_array())
        for (auto& h : hosts->get_array())
          if (h.is_object()) {
            std::string name = text_in(h.get_object(), "name");
            if (!name.empty()) row(step, name).time = r.time;
          }
      continue;
    }
    if (r.kind == kind::step_wave) {
      if (auto* held = r.fields.if_contains("held"); held && held->is_array())
        for (auto& h : held->get_array())
          if (h.is_string()) {
            Row& held_row = row(step, std::string(h.get_string()));
            held_row.state = "held";
            held_row.detail = "the release halted at " + r.text("wave") + " before this host's turn";
            held_row.time = r.time;
          }
      continue;
    }
    if (r.kind == kind::release_exported || r.kind == kind::release_taken_back) {
      bool exported = r.kind == kind::release_exported;
      if (auto* hosts = r.fields.if_contains("hosts"); hosts && hosts->is_array())
        for (auto& h : hosts->get_array())
          if (h.is_string()) {
            Row& x = row(step, std::string(h.get_string()));
            // A take-back changes only hosts still with Ansible.
            if (!exported && x.state != "with-ansible") continue;
            x.state = exported ? "with-ansible" : "pending";
            x.detail = exported ? "exported to Ansible (" + r.text("dir") + ")" : "taken back from Ansible";
            x.time = r.time;
          }
      continue;
    }
    std::string host = r.text("host");
    // A step without `targets:` ran on the controller itself; a fleet
    // step's own records (its summary plan, its overall failure) name no host.
    if (host.empty() && fleet.count(step)) continue;
    if (host.empty()) host = "this host";
    Row& x = row(step, host);
    if (r.kind == kind::step_planned) {
      if (auto* d = r.fields.if_contains("detail"); d && d->is_object()) {
        x.version_before = text_in(d->get_object(), "installed");
        x.detail = text_in(d->get_object(), "state");
      }
      x.state = "pending";
    } else if (r.kind == kind::step_started) {
      x.state = "installing";
    } else if (r.kind == kind::step_applied) {
      x.detail.clear();
      auto* receipt = r.fields.if_contains("receipt");
      auto* output = receipt && receipt->is_object() ? receipt->get_object().if_contains("output") : nullptr;
      if (output && output->is_object()) {
        const json::object& o = output->get_object();
        // The state a host reports is text from that host: only the known
        // ones are shown as such.
        static const std::set<std::string> known{"patched", "already-patched", "not-affected"};
        std::string said = text_in(o, "state");
        x.state = said.empty() ? "patched" : known.count(said) ? said : "failed";
        if (!said.empty() && !known.count(said)) x.detail = "the host reported an unknown state";
        x.version = text_in(o, "version");
        if (!text_in(o, "version_before").empty()) x.version_before = text_in(o, "version_before");
      } else {
        x.state = "patched";
      }
    } else if (r.kind == kind::step_failed) {
      std::string error = r.text("error");
      x.state = error.find("; rolled back") != std::string::npos ? "rolled-back" : "failed";
      x.detail = error;
      if (x.state == "rolled-back") x.version = x.version_before;
    } else if (r.kind == kind::host_unreachable) {
      x.state = "pending";
      x.detail = "unreachable: " + r.text("why");
    } else if (r.kind == kind::step_undone) {
      x.state = "rolled-back";
      x.detail = "undone by " + r.actor;
      x.version = x.version_before;
    } else {
      continue;
    }
    x.time = r.time;
  }
  json::array out;
  for (auto& key : order) {
    const Row& x = rows.at(key);
    out.push_back(json::object{{"step", key.first},          {"host", key.second}, {"state", x.state},
                               {"version", x.version},       {"version_before", x.version_before},
                               {"time", x.time},             {"detail", x.detail}});
  }
  return out;
}

}  // namespace responder
