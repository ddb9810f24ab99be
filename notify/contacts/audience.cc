#include "notify/contacts/audience.h"

#include <algorithm>
#include <set>

#include "responder/diagnostic.h"
#include "responder/message_text.h"

namespace responder::notify {

Audience first_of_each_role(const Audience& audience) {
  Audience first;
  std::set<std::string> roles_told;
  for (std::size_t i = 0; i < audience.people.size(); ++i) {
    const std::string& role = audience.through_role[i];
    if (!role.empty() && !roles_told.insert(role).second) continue;
    first.people.push_back(audience.people[i]);
    first.through_role.push_back(role);
  }
  return first;
}

std::string need_to_know_refusal() {
  return "audience all-staff is refused while need_to_know is true: in a targeted attack, telling everyone may tip off "
         "the attacker; name the roles that need to know, or set need_to_know: false (a worm outbreak)";
}

Result<Audience> resolve_audience(const Contacts& contacts, const std::vector<std::string>& names, bool need_to_know) {
  Audience audience;
  std::set<std::string> seen;
  auto add = [&](const Contact* c, const std::string& role) {
    if (seen.insert(c->id).second) {
      audience.people.push_back(c);
      audience.through_role.push_back(role);
    }
  };
  for (auto& name : names) {
    if (name == kAllStaff && need_to_know) return refusal(need_to_know_refusal());
    if (const Contact* c = contacts.find(name)) {
      add(c, "");
      continue;
    }
    if (contacts.has_role(name)) {
      for (const Contact* c : contacts.in_role(name)) add(c, name);
      continue;
    }
    std::vector<std::string> known{std::string(kAllStaff)};
    for (auto& p : contacts.people) {
      known.push_back(p.id);
      for (auto& r : p.roles) known.push_back(r);
    }
    std::string hint = closest_match(name, known);
    return bad_input("audience " + in_quotes(name) + " is neither a person nor a role in " + contacts.file.string() +
                     (hint.empty() ? "" : "; did you mean " + in_quotes(hint) + "?"));
  }
  if (audience.people.empty()) return bad_input("the audience reaches nobody");
  return audience;
}

}  // namespace responder::notify
