// An incident journal, any bytes: read it, verify its chain, and derive the
// incident's state from it as status, resume and undo do. A journal may have
// been edited by anyone who could write the incident directory. Hosts of
// steps with targets are read back as resume and undo read them.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "responder/incident_state.h"
#include "responder/inventory/host_reach.h"
#include "responder/journal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto chain = responder::verify_journal_bytes(bytes);
  if (chain.intact != chain.problems.empty()) std::abort();
  auto contents = responder::read_journal_bytes(bytes, "journal.jsonl");
  if (!contents) return 0;
  if (contents->torn_tail && contents->torn_tail->first + contents->torn_tail->second != size) std::abort();
  auto state = responder::derive_state("IR-FUZZ", *contents);
  if (!state) return 0;
  (void)state->in_force();
  // How resume and undo reach each journaled host of a step with targets.
  for (auto& [step, hosts] : state->step_hosts)
    for (auto& host : hosts) {
      auto reach = responder::inventory::reach_from_json(host.reach);
      if (reach && reach->transport != "local" && reach->transport != "ssh" && reach->transport != "namespace") std::abort();
    }
  return 0;
}
