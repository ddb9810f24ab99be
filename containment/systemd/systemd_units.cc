#include "containment/systemd/systemd_units.h"

#include <systemd/sd-bus.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "responder/message_text.h"

namespace responder::systemd {
namespace {

constexpr const char* kService = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManager = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnit = "org.freedesktop.systemd1.Unit";

// Frees an sd_bus_error and a reply at the end of a call, whatever happens.
struct BusCall {
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  ~BusCall() {
    sd_bus_error_free(&error);
    sd_bus_message_unref(reply);
  }
  std::string why(int rc) const {
    if (error.message) return error.message;
    return std::strerror(-rc);
  }
};

std::string take_string(char* text) {
  std::string s = text ? text : "";
  std::free(text);
  return s;
}

const std::vector<std::string>& unit_suffixes() {
  static const std::vector<std::string> suffixes{".service", ".socket", ".target", ".timer", ".path", ".mount",
                                                 ".automount", ".swap", ".slice", ".scope", ".device"};
  return suffixes;
}

}  // namespace

Result<std::string> canonical_unit_name(const std::string& name) {
  // systemd's own rule: at most 255 characters of [A-Za-z0-9:_.\-], with
  // one '@' at most, not first, before the instance and type suffix.
  auto unit_char = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':' || c == '_' ||
           c == '.' || c == '\\' || c == '-' || c == '@';
  };
  bool valid = !name.empty() && name.size() <= 255 && name[0] != '@' &&
               std::count(name.begin(), name.end(), '@') <= 1 && std::all_of(name.begin(), name.end(), unit_char);
  if (!valid) return bad_input(in_quotes(name) + " is not a valid systemd unit name");
  for (auto& suffix : unit_suffixes())
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) return name;
  return name + ".service";
}

Result<SystemdManager> SystemdManager::connect() {
  std::string socket;
  if (::geteuid() == 0 && ::access("/run/systemd/private", F_OK) == 0) socket = "/run/systemd/private";
  sd_bus* bus = nullptr;
  int rc = 0;
  std::string where;
  if (!socket.empty()) {
    where = socket;
    rc = sd_bus_new(&bus);
    if (rc >= 0) rc = sd_bus_set_address(bus, ("unix:path=" + socket).c_str());
    if (rc >= 0) rc = sd_bus_start(bus);
  } else {
    where = "the system bus";
    rc = sd_bus_open_system(&bus);
  }
  if (rc < 0) {
    sd_bus_unref(bus);
    return failure("cannot reach systemd at " + where + ": " + std::strerror(-rc) +
                   " (is this host run by systemd? as root, /run/systemd/private is used)");
  }
  return SystemdManager(bus, where);
}

SystemdManager::SystemdManager(SystemdManager&& other) noexcept : bus_(other.bus_), where_(std::move(other.where_)) {
  other.bus_ = nullptr;
}
SystemdManager& SystemdManager::operator=(SystemdManager&& other) noexcept {
  std::swap(bus_, other.bus_);
  std::swap(where_, other.where_);
  return *this;
}
SystemdManager::~SystemdManager() { sd_bus_flush_close_unref(bus_); }

std::string SystemdManager::unit_path(const std::string& unit) {
  BusCall call;
  const char* path = nullptr;
  if (sd_bus_call_method(bus_, kService, kManagerPath, kManager, "GetUnit", &call.error, &call.reply, "s", unit.c_str()) < 0 ||
      sd_bus_message_read(call.reply, "o", &path) < 0)
    return "";
  return path;
}

Result<UnitState> SystemdManager::state(const std::string& unit) {
  BusCall call;
  int rc = sd_bus_call_method(bus_, kService, kManagerPath, kManager, "LoadUnit", &call.error, &call.reply, "s", unit.c_str());
  if (rc < 0) return failure("systemd cannot load unit " + unit + ": " + call.why(rc));
  const char* path = nullptr;
  if ((rc = sd_bus_message_read(call.reply, "o", &path)) < 0) return failure("systemd's reply to LoadUnit: " + call.why(rc));
  UnitState s;
  s.name = unit;
  for (auto [property, into] : {std::pair{"LoadState", &s.load_state}, std::pair{"ActiveState", &s.active_state},
                                std::pair{"UnitFileState", &s.unit_file_state}}) {
    BusCall get;
    char* value = nullptr;
    rc = sd_bus_get_property_string(bus_, kService, path, kUnit, property, &get.error, &value);
    if (rc < 0) return failure("cannot read " + std::string(property) + " of " + unit + ": " + get.why(rc));
    *into = take_string(value);
  }
  BusCall get;
  char** triggers = nullptr;
  rc = sd_bus_get_property_strv(bus_, kService, path, kUnit, "TriggeredBy", &get.error, &triggers);
  if (rc < 0) return failure("cannot read TriggeredBy of " + unit + ": " + get.why(rc));
  for (char** t = triggers; t && *t; ++t) {
    s.triggered_by.emplace_back(*t);
    std::free(*t);
  }
  std::free(triggers);
  return s;
}

Result<std::vector<UnitState>> SystemdManager::matching(const std::vector<std::string>& patterns) {
  BusCall call;
  sd_bus_message* request = nullptr;
  int rc = sd_bus_message_new_method_call(bus_, &request, kService, kManagerPath, kManager, "ListUnitsByPatterns");
  std::vector<char*> none{nullptr};
  std::vector<char*> wanted;
  for (auto& p : patterns) wanted.push_back(const_cast<char*>(p.c_str()));
  wanted.push_back(nullptr);
  if (rc >= 0) rc = sd_bus_message_append_strv(request, none.data());
  if (rc >= 0) rc = sd_bus_message_append_strv(request, wanted.data());
  if (rc >= 0) rc = sd_bus_call(bus_, request, 0, &call.error, &call.reply);
  sd_bus_message_unref(request);
  if (rc < 0) return failure("systemd cannot list units: " + call.why(rc));
  std::vector<std::string> names;
  rc = sd_bus_message_enter_container(call.reply, SD_BUS_TYPE_ARRAY, "(ssssssouso)");
  while (rc >= 0) {
    const char *name, *description, *load, *active, *sub, *following, *path, *job_type, *job_path;
    uint32_t job = 0;
    rc = sd_bus_message_read(call.reply, "(ssssssouso)", &name, &description, &load, &active, &sub, &following, &path,
                             &job, &job_type, &job_path);
    if (rc <= 0) break;
    names.emplace_back(name);
  }
  if (rc < 0) return failure("systemd's list of units could not be read: " + call.why(rc));
  std::vector<UnitState> units;
  for (auto& n : names) {
    auto s = state(n);
    if (!s) return s.error();
    units.push_back(std::move(*s));
  }
  return units;
}

Status SystemdManager::run_job(const char* method, const std::string& unit, bool want_running,
                               std::chrono::steady_clock::time_point deadline) {
  std::string job;
  {
    BusCall call;
    int rc = sd_bus_call_method(bus_, kService, kManagerPath, kManager, method, &call.error, &call.reply, "ss",
                                unit.c_str(), "replace");
    const char* path = nullptr;
    if (rc >= 0) rc = sd_bus_message_read(call.reply, "o", &path);
    if (rc < 0)
      return failure("systemd refused to " + std::string(want_running ? "start " : "stop ") + unit + ": " + call.why(rc));
    job = path;
  }
  // The job object exists until the job is done; only then is the unit's
  // state its outcome rather than a state it has not left yet.
  auto pause = std::chrono::milliseconds(10);
  for (;;) {
    BusCall get;
    char* job_state = nullptr;
    if (sd_bus_get_property_string(bus_, kService, job.c_str(), "org.freedesktop.systemd1.Job", "State", &get.error,
                                   &job_state) < 0)
      break;
    std::free(job_state);
    if (std::chrono::steady_clock::now() >= deadline)
      return interruption("systemd's job to " + std::string(want_running ? "start " : "stop ") + unit +
                          " is still running at the step's deadline");
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(250));
  }
  auto s = state(unit);
  if (!s) return s.error();
  if (want_running && s->active_state != "active" && s->active_state != "reloading") {
    // Why, in systemd's words: exit-code, signal, start-limit-hit, ...
    std::string result;
    if (auto path = unit_path(unit); !path.empty()) {
      BusCall get;
      char* value = nullptr;
      if (sd_bus_get_property_string(bus_, kService, path.c_str(), "org.freedesktop.systemd1.Service", "Result",
                                     &get.error, &value) >= 0)
        result = take_string(value);
    }
    return failure("systemd could not start " + unit + ": it is " + s->active_state +
                   (result.empty() || result == "success" ? "" : " (" + result + ")") + "; see `journalctl -u " + unit +
                   "`" + (result == "start-limit-hit" ? " and `systemctl reset-failed " + unit + "`" : ""));
  }
  if (!want_running && s->running())
    return failure(unit + " is still " + s->active_state + " after systemd's stop job (something started it again)");
  return Status::success();
}

Status SystemdManager::stop(const std::string& unit, std::chrono::steady_clock::time_point deadline) {
  return run_job("StopUnit", unit, false, deadline);
}

Status SystemdManager::start(const std::string& unit, std::chrono::steady_clock::time_point deadline) {
  return run_job("StartUnit", unit, true, deadline);
}

Status SystemdManager::reload() {
  BusCall call;
  int rc = sd_bus_call_method(bus_, kService, kManagerPath, kManager, "Reload", &call.error, &call.reply, "");
  if (rc < 0) return failure("systemd daemon-reload failed: " + call.why(rc));
  return Status::success();
}

Status SystemdManager::mask(const std::string& unit) {
  BusCall call;
  int rc = sd_bus_call_method(bus_, kService, kManagerPath, kManager, "MaskUnitFiles", &call.error, &call.reply, "asbb", 1,
                              unit.c_str(), 0, 0);
  if (rc < 0) return failure("systemd cannot mask " + unit + ": " + call.why(rc));
  return reload();
}

Status SystemdManager::unmask(const std::string& unit) {
  BusCall call;
  int rc = sd_bus_call_method(bus_, kService, kManagerPath, kManager, "UnmaskUnitFiles", &call.error, &call.reply, "asb", 1,
                              unit.c_str(), 0);
  if (rc < 0) return failure("systemd cannot unmask " + unit + ": " + call.why(rc));
  return reload();
}

}  // namespace responder::systemd
