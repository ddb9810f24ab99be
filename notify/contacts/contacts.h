// Who can be told, and how: the contacts file (YAML; `contacts:` in the
// configuration names it).
//
//   people:
//     alice:                              # the name audiences use
//       name: Alice Martin                # how messages address her
//       roles: [incident-team, executives]
//       reach:                            # channels in order of preference
//         - {channel: mail, to: alice@example.org}
//         - {channel: oncall-chat, to: "@alice"}
//
// Roles are free names (incident-team, executives, legal, law-enforcement,
// vendor-support, ...); the order of people in the file is the order in
// which a role escalates. `all-staff` is every person in the file and no
// person lists it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "responder/result.h"

namespace responder::notify {

// The audience name that means everyone; need-to-know refuses it.
inline constexpr std::string_view kAllStaff = "all-staff";

struct Reach {
  std::string channel;  // a name under notify.channels
  std::string to;       // the channel's address for this person; may be empty
};

struct Contact {
  std::string id;       // the key under people:
  std::string name;     // display name; the id when not given
  std::vector<std::string> roles;
  std::vector<Reach> reach;
};

struct Contacts {
  std::filesystem::path file;
  std::vector<Contact> people;  // in file order

  const Contact* find(std::string_view id) const;
  // The people with `role`, in file order (everyone for all-staff).
  std::vector<const Contact*> in_role(std::string_view role) const;
  bool has_role(std::string_view role) const;
};

// Loads and checks the file; bad input names FILE:LINE:COL.
Result<Contacts> load_contacts(const std::filesystem::path& file);
// The same over text already read; `file` names it in errors.
Result<Contacts> parse_contacts(const std::string& text, const std::filesystem::path& file);

}  // namespace responder::notify
