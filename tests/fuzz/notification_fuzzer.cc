// What notification reads that others write, any bytes: a contacts file
// (kept by another team), a message template's text (after attack data was
// substituted into it), an outbox log (on a disk an intruder may reach) and
// a server's Retry-After header.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "notify/channels/retry_after.h"
#include "notify/contacts/audience.h"
#include "notify/contacts/contacts.h"
#include "notify/outbox/outbox.h"
#include "notify/templates/message_template.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  if (auto contacts = responder::notify::parse_contacts(text, "contacts.yaml")) {
    for (const char* audience : {"all-staff", "incident-team", "alice"})
      if (auto resolved = responder::notify::resolve_audience(*contacts, {audience}, false))
        (void)responder::notify::first_of_each_role(*resolved);
  }
  (void)responder::notify::split_message_text(text, "text");
  (void)responder::notify::outbox_entries(text, "outbox.jsonl");
  (void)responder::notify::parse_retry_after(text, std::chrono::system_clock::now());
  return 0;
}
