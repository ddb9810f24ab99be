// Who a step's `audience:` reaches: role and person names resolved against
// the contacts file, each person once, in the order named.
#pragma once

#include <string>
#include <vector>

#include "notify/contacts/contacts.h"

namespace responder::notify {

struct Audience {
  std::vector<const Contact*> people;
  // The role each person was reached through ("" when named directly), in
  // step with `people`: escalation goes to the next person in that role.
  std::vector<std::string> through_role;
};

// Resolves `names` (roles or people). An unknown name is bad input that
// says which names the contacts file knows. With `need_to_know`, all-staff
// is refused: a targeted attacker may read staff mail.
Result<Audience> resolve_audience(const Contacts& contacts, const std::vector<std::string>& names, bool need_to_know);

// With escalation, a role is told one person at a time: the first person
// of each role named (people named directly stay); the others are whom
// escalation reaches, in file order.
Audience first_of_each_role(const Audience& audience);

// The message need-to-know refusals give, at validate time and at run time.
std::string need_to_know_refusal();

}  // namespace responder::notify
