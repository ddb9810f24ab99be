#include "notify/contacts/contacts.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "responder/durable_file.h"
#include "responder/message_text.h"
#include "responder/name_syntax.h"

namespace responder::notify {

const Contact* Contacts::find(std::string_view id) const {
  for (auto& p : people)
    if (p.id == id) return &p;
  return nullptr;
}

std::vector<const Contact*> Contacts::in_role(std::string_view role) const {
  std::vector<const Contact*> found;
  for (auto& p : people)
    if (role == kAllStaff || std::find(p.roles.begin(), p.roles.end(), role) != p.roles.end()) found.push_back(&p);
  return found;
}

bool Contacts::has_role(std::string_view role) const { return role == kAllStaff || !in_role(role).empty(); }

namespace {

class ContactsParser {
 public:
  explicit ContactsParser(std::filesystem::path file) : file_(std::move(file)) {}

  Result<Contacts> parse(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      return bad_input(file_.string() + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                       ": " + e.msg);
    }
    Contacts contacts;
    contacts.file = file_;
    if (!root.IsMap()) return at(root, "a contacts file is a mapping with `people:`");
    for (auto entry : root) {
      std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
      if (key != "people") return at(entry.first, "unknown key " + in_quotes(key) + "; a contacts file has `people:`");
    }
    YAML::Node people = root["people"];
    if (!people || !people.IsMap() || people.size() == 0)
      return at(people ? people : root, "`people:` is a mapping of person names to their roles and channels");
    for (auto entry : people) {
      auto person = parse_person(entry.first, entry.second);
      if (!person) return person.error();
      if (contacts.find(person->id)) return at(entry.first, "person " + in_quotes(person->id) + " appears twice");
      contacts.people.push_back(std::move(*person));
    }
    return contacts;
  }

 private:
  Error at(const YAML::Node& node, const std::string& message) const {
    auto mark = node.Mark();
    std::string where = file_.string();
    if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    return bad_input(where + ": " + message);
  }

  Result<std::string> name_at(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar() || node.Scalar().empty()) return at(node, what + " is a name");
    const std::string& s = node.Scalar();
    if (!is_label(s))
      return at(node, what + " " + in_quotes(s) + " starts with a letter or digit and holds only letters, digits, '-', '_' and '.' (at most 64)");
    return s;
  }

  Result<Contact> parse_person(const YAML::Node& key, const YAML::Node& body) {
    auto id = name_at(key, "a person");
    if (!id) return id.error();
    if (*id == kAllStaff) return at(key, "all-staff is the audience of everyone, not a person");
    Contact c;
    c.id = *id;
    c.name = *id;
    if (!body.IsMap()) return at(body, "person " + in_quotes(c.id) + " is a mapping with roles: and reach:");
    for (auto entry : body) {
      std::string k = entry.first.IsScalar() ? entry.first.Scalar() : "";
      if (k == "name") {
        if (!entry.second.IsScalar()) return at(entry.second, "name is text");
        c.name = printable(entry.second.Scalar());
      } else if (k == "roles") {
        if (!entry.second.IsSequence()) return at(entry.second, "roles is a list of role names");
        for (auto r : entry.second) {
          auto role = name_at(r, "a role");
          if (!role) return role.error();
          if (*role == kAllStaff) return at(r, "every person is in all-staff; do not list it");
          c.roles.push_back(*role);
        }
      } else if (k == "reach") {
        if (!entry.second.IsSequence() || entry.second.size() == 0)
          return at(entry.second, "reach is a list of {channel: NAME, to: ADDRESS}, most preferred first");
        for (auto r : entry.second) {
          if (!r.IsMap()) return at(r, "each reach entry is {channel: NAME, to: ADDRESS}");
          Reach reach;
          for (auto field : r) {
            std::string f = field.first.IsScalar() ? field.first.Scalar() : "";
            if (f == "channel") {
              auto name = name_at(field.second, "a channel");
              if (!name) return name.error();
              reach.channel = *name;
            } else if (f == "to") {
              if (!field.second.IsScalar()) return at(field.second, "to is an address (text)");
              reach.to = field.second.Scalar();
              if (reach.to.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
                return at(field.second, "an address may not hold line breaks");
            } else {
              return at(field.first, "unknown key " + in_quotes(f) + "; a reach entry has channel: and to:");
            }
          }
          if (reach.channel.empty()) return at(r, "a reach entry needs channel:");
          c.reach.push_back(std::move(reach));
        }
      } else {
        return at(entry.first, "unknown key " + in_quotes(k) + " for person " + in_quotes(c.id) + "; known: name, roles, reach");
      }
    }
    if (c.reach.empty()) return at(key, "person " + in_quotes(c.id) + " has no reach: list; nobody could tell them");
    return c;
  }

  static std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char ch : s) out += (ch < 0x20 || ch == 0x7f) ? ' ' : static_cast<char>(ch);
    return out;
  }

  std::filesystem::path file_;
};

}  // namespace

Result<Contacts> load_contacts(const std::filesystem::path& file) {
  auto text = read_text_file(file);
  if (!text) return bad_input("contacts file " + file.string() + ": " + text.error().message);
  return parse_contacts(*text, file);
}

Result<Contacts> parse_contacts(const std::string& text, const std::filesystem::path& file) {
  return ContactsParser(file).parse(text);
}

}  // namespace responder::notify
