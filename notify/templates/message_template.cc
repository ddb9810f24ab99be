#include "notify/templates/message_template.h"

#include <set>

#include "responder/durable_file.h"
#include "responder/template.h"

namespace responder::notify {

namespace {

Result<std::string> render(const std::string& text, const json::object& scope, const std::string& origin,
                           std::size_t first_line) {
  auto rendered = substitute(json::value(json::string(text)), scope);
  if (!rendered) return bad_input(origin + ":" + std::to_string(first_line) + ": " + rendered.error().message);
  if (rendered->is_string()) return std::string(rendered->get_string());
  // A whole-template text takes its value's type; in words, it is its text.
  return to_json_text(*rendered);
}

}  // namespace

namespace {

struct SplitText {
  std::string subject, body;
};

Result<SplitText> split(const std::string& text, const std::string& origin) {
  std::size_t end = text.find('\n');
  std::string first = text.substr(0, end);
  if (!first.empty() && first.back() == '\r') first.pop_back();
  constexpr std::string_view prefix = "Subject:";
  if (first.compare(0, prefix.size(), prefix) != 0)
    return bad_input(origin + ":1: a message template starts with `Subject: ...`, then a blank line, then the body");
  std::string subject_text = first.substr(prefix.size());
  while (!subject_text.empty() && subject_text.front() == ' ') subject_text.erase(0, 1);
  std::string rest = end == std::string::npos ? "" : text.substr(end + 1);
  if (!rest.empty()) {
    std::size_t blank = rest.find('\n');
    std::string second = rest.substr(0, blank);
    if (!second.empty() && second.back() == '\r') second.pop_back();
    if (!second.empty()) return bad_input(origin + ":2: a blank line separates the subject from the body");
    rest = blank == std::string::npos ? "" : rest.substr(blank + 1);
  }
  return SplitText{subject_text, rest};
}

Result<RenderedMessage> finished(const std::string& subject, std::string body, const std::string& origin) {
  RenderedMessage message;
  // A subject is one line whatever a variable holds.
  for (char c : subject) message.subject += (c == '\r' || c == '\n') ? ' ' : c;
  message.body = std::move(body);
  if (message.subject.empty()) return bad_input(origin + ":1: the subject is empty");
  return message;
}

}  // namespace

Result<RenderedMessage> split_message_text(const std::string& text, const std::string& origin) {
  auto parts = split(text, origin);
  if (!parts) return parts.error();
  return finished(parts->subject, parts->body, origin);
}

Result<RenderedMessage> render_template_text(const std::string& text, const json::object& scope,
                                             const std::string& origin) {
  auto parts = split(text, origin);
  if (!parts) return parts.error();
  auto subject = render(parts->subject, scope, origin, 1);
  if (!subject) return subject.error();
  auto body = render(parts->body, scope, origin, 3);
  if (!body) return body.error();
  auto message = finished(*subject, std::move(*body), origin);
  if (!message) return message;
  std::set<std::string> names;
  for (auto& use : find_templates(text))
    if (auto* ref = std::get_if<NameReference>(&use.reference); ref && !ref->path.empty()) names.insert(ref->path.front());
  message->names_read.assign(names.begin(), names.end());
  return message;
}

Result<RenderedMessage> render_template_file(const std::filesystem::path& file, const json::object& scope) {
  auto text = read_text_file(file);
  if (!text) return bad_input("message template " + file.string() + ": " + text.error().message);
  return render_template_text(*text, scope, file.string());
}

}  // namespace responder::notify
