// systemd units and their states, over D-Bus (org.freedesktop.systemd1
// Manager.ListUnits).
#include <systemd/sd-bus.h>

#include <cstring>

#include "forensics/evidence/evidence_artifacts.h"

namespace responder::evidence {

void read_services(const ArtifactRequest&, const ArtifactEmit& emit) {
  auto error_record = [&](const std::string& what, int rc) {
    json::object e;
    e["error"] = what + ": " + std::strerror(-rc);
    emit(std::move(e));
  };
  sd_bus* bus = nullptr;
  int rc = sd_bus_open_system(&bus);
  if (rc < 0) return error_record("cannot reach systemd on the system bus", rc);
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  rc = sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                          "org.freedesktop.systemd1.Manager", "ListUnits", &error, &reply, "");
  if (rc < 0) {
    std::string what = std::string("ListUnits failed") + (error.message ? std::string(" (") + error.message + ")" : "");
    sd_bus_error_free(&error);
    sd_bus_unref(bus);
    return error_record(what, rc);
  }
  rc = sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(ssssssouso)");
  while (rc >= 0) {
    const char *name, *description, *load, *active, *sub, *following, *path, *job_type, *job_path;
    uint32_t job_id = 0;
    rc = sd_bus_message_read(reply, "(ssssssouso)", &name, &description, &load, &active, &sub, &following, &path,
                             &job_id, &job_type, &job_path);
    if (rc <= 0) break;
    json::object u;
    u["unit"] = name;
    u["description"] = description;
    u["load"] = load;
    u["active"] = active;
    u["sub"] = sub;
    if (job_id) u["job"] = std::string(job_type) + " #" + std::to_string(job_id);
    emit(std::move(u));
  }
  if (rc < 0) error_record("reading ListUnits reply", rc);
  sd_bus_message_unref(reply);
  sd_bus_unref(bus);
}

}  // namespace responder::evidence
