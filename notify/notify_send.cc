// notify.send: tells an audience, through each person's channels in order
// of preference, with fallback; every message is in the outbox before it is
// sent, so a crash loses nothing and `resume` sends only what is left.
#include <openssl/rand.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <thread>

#include "notify/contacts/audience.h"
#include "responder/config.h"
#include "notify/delivery/delivery.h"
#include "notify/journal_notices.h"
#include "notify/notify_settings.h"
#include "notify/outbox/outbox.h"
#include "notify/templates/message_template.h"
#include "responder/clock.h"
#include "responder/duration.h"
#include "responder/message_text.h"
#include "responder/record_module.h"
#include "responder/sha256.h"

namespace responder::notify {
namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> strings_of(const json::object& params, std::string_view key) {
  std::vector<std::string> out;
  if (auto* v = params.if_contains(key); v && v->is_array())
    for (auto& item : v->get_array())
      if (item.is_string()) out.emplace_back(item.get_string());
  return out;
}

bool flag_of(const json::object& params, std::string_view key) {
  auto* v = params.if_contains(key);
  return v && v->is_bool() && v->get_bool();
}

// The key of one person's message in one step of one incident: the same
// across retries and resume, so receivers can drop a second copy.
std::string message_key(const std::string& incident, const std::string& step, const std::string& contact) {
  return sha256_hex(incident + "\n" + step + "\n" + contact).substr(0, 32);
}

Result<std::string> new_ack_token() {
  unsigned char bytes[12];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return failure("cannot draw an acknowledgement token from OpenSSL's generator");
  static const char* digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford base32: easy to read out
  std::string token;
  for (unsigned char b : bytes) token += digits[b % 32];
  return token.substr(0, 4) + "-" + token.substr(4, 4) + "-" + token.substr(8, 4);
}

struct Prepared {
  NotifySettings settings;
  Audience audience;
  RenderedMessage message;
};

// Channels that cannot be built now are listed in settings.broken and
// skipped (contacts fall back past them), never a reason to tell nobody.
Result<Prepared> prepare(const json::object& params, const StepContext& context) {
  if (!context.config) return bad_input("notify.send needs the configuration (contacts and channels)");
  auto settings = load_notify_settings(*context.config);
  if (!settings) return settings.error();
  const json::value* need_to_know = params.if_contains("need_to_know");
  bool refuse_all_staff = !need_to_know || !need_to_know->is_bool() || need_to_know->get_bool();
  auto audience = resolve_audience(settings->contacts, strings_of(params, "audience"), refuse_all_staff);
  if (!audience) return audience.error();
  for (auto& name : strings_of(params, "channels"))
    if (!settings->channels.count(name)) return bad_input("channels: " + in_quotes(name) + " is not under notify.channels");
  json::object empty_scope;
  const json::object& scope = context.scope ? *context.scope : empty_scope;
  Result<RenderedMessage> message = bad_input("notify.send needs template or text");
  if (auto* text = params.if_contains("text"); text && text->is_string()) {
    // Already substituted with the other parameters; rendering it again
    // would read attack data that reached it as templates.
    message = split_message_text(std::string(text->get_string()), "text of step " + context.step_id);
  } else if (auto* file = params.if_contains("template"); file && file->is_string()) {
    std::filesystem::path path(std::string(file->get_string()));
    if (path.is_relative()) path = (settings->templates.empty() ? context.playbook_dir : settings->templates) / path;
    message = render_template_file(path, scope);
  }
  if (!message) return message.error();
  // Escalating: a role is told one person at a time, down the file.
  if (flag_of(params, "ack") && params.contains("escalate_after") && !params.at("escalate_after").is_null())
    *audience = first_of_each_role(*audience);
  return Prepared{std::move(*settings), std::move(*audience), std::move(*message)};
}

std::string reach_text(const Contact& c, const std::set<std::string>& only) {
  std::string text;
  for (auto& r : c.reach) {
    if (!only.empty() && !only.count(r.channel)) continue;
    text += (text.empty() ? "" : ", else ") + r.channel + (r.to.empty() ? "" : " " + r.to);
  }
  return text.empty() ? "(no allowed channel)" : text;
}

std::string severity_of(const StepContext& context) {
  if (context.scope)
    if (auto* incident = context.scope->if_contains("incident"); incident && incident->is_object())
      if (auto* s = incident->get_object().if_contains("severity"); s && s->is_string()) return std::string(s->get_string());
  return "";
}

// Whether a channel is marked compromised in the journal now; read again at
// most every half second, and a journal that no longer verifies marks every
// channel as unusable (nothing is sent on the word of a tampered journal).
class CompromisedChannels {
 public:
  // `known` is what the journal said a moment ago: read again only after
  // half a second.
  CompromisedChannels(std::filesystem::path incident_dir, std::map<std::string, std::string> known)
      : state_(std::make_shared<State>()), dir_(std::move(incident_dir)) {
    state_->compromised = std::move(known);
    state_->next_read = Clock::now() + std::chrono::milliseconds(500);
  }
  bool operator()(const std::string& channel) const {
    std::lock_guard lock(state_->mutex);
    if (Clock::now() >= state_->next_read) {
      auto notices = read_journal_notices(dir_);
      state_->broken = !notices;
      if (notices) state_->compromised = notices->compromised_channels;
      state_->next_read = Clock::now() + std::chrono::milliseconds(500);
    }
    return state_->broken || state_->compromised.count(channel) > 0;
  }

 private:
  struct State {
    std::mutex mutex;
    std::map<std::string, std::string> compromised;
    bool broken = false;
    Clock::time_point next_read{};
  };
  std::shared_ptr<State> state_;
  std::filesystem::path dir_;
};

class NotifySend final : public RecordModule {
  // Why nothing is sent, when the step says to go on without a contacts
  // file and the configuration has none; empty otherwise.
  static std::string unconfigured_skip(const json::object& params, const StepContext& context) {
    auto* mode = params.if_contains("if_unconfigured");
    if (!mode || !mode->is_string() || mode->get_string() != "skip") return {};
    if (context.config && !context.config->contacts.empty()) return {};
    return "not sent: the configuration names no contacts file (`contacts:`), and the step says if_unconfigured: skip";
  }

 public:
  std::string_view name() const override { return "notify.send"; }

  std::vector<StaticIssue> check_static(const json::object& with) const override {
    std::vector<StaticIssue> issues;
    auto* ntk = with.if_contains("need_to_know");
    if (ntk && ntk->is_bool() && !ntk->get_bool()) return issues;
    if (auto* audience = with.if_contains("audience"); audience && audience->is_array()) {
      auto& list = audience->get_array();
      for (std::size_t i = 0; i < list.size(); ++i)
        if (list[i].is_string() && list[i].get_string() == kAllStaff)
          issues.push_back({"audience[" + std::to_string(i) + "]", need_to_know_refusal()});
    }
    return issues;
  }

  Result<PlanResult> plan(const json::object& params, StepContext& context) const override {
    if (auto why = unconfigured_skip(params, context); !why.empty()) {
      PlanResult plan;
      plan.changes.push_back(why);
      plan.detail = {{"people", json::array{}}, {"subject", ""}, {"sent", false}};
      return plan;
    }
    // As apply: a channel that cannot be built now is shown, and contacts
    // fall back past it, rather than stopping every notification.
    auto prepared = prepare(params, context);
    if (!prepared) return prepared.error();
    auto only_list = strings_of(params, "channels");
    std::set<std::string> only(only_list.begin(), only_list.end());
    PlanResult plan;
    for (auto& [name, why] : prepared->settings.broken)
      plan.changes.push_back("channel " + name + " cannot be used (its contacts fall back past it): " + why);
    json::array people;
    for (const Contact* c : prepared->audience.people) {
      plan.changes.push_back("tell " + c->name + " (" + c->id + ") by " + reach_text(*c, only) + ": " +
                             in_quotes(prepared->message.subject));
      people.push_back(json::string(c->id));
    }
    if (flag_of(params, "ack")) plan.changes.push_back("ask each to acknowledge (responder ack " +
                                                      (context.incident_id.empty() ? std::string("ID") : context.incident_id) + " TOKEN)");
    plan.detail = {{"people", people}, {"subject", prepared->message.subject}};
    if (!prepared->message.names_read.empty()) {
      json::array reads;
      for (auto& name : prepared->message.names_read) reads.push_back(json::string(name));
      plan.detail["reads"] = std::move(reads);
    }
    return plan;
  }

  Result<Receipt> apply(const json::object& params, StepContext& context) const override {
    if (context.incident_dir.empty()) return bad_input("notify.send runs inside an incident (responder run)");
    if (auto why = unconfigured_skip(params, context); !why.empty()) {
      Receipt receipt;
      receipt.output = {{"sent", false}, {"delivered", json::array{}}, {"why", why}};
      receipt.changes.push_back(why);
      return receipt;
    }
    auto prepared = prepare(params, context);
    if (!prepared) return prepared.error();
    for (auto& [name, why] : prepared->settings.broken)
      if (context.progress) context.progress->progress(0, 0, "", "channel " + name + " cannot be used: " + why);
    auto outbox = Outbox::open(context.incident_dir);
    if (!outbox) return outbox.error();
    auto known = (*outbox)->read();
    if (!known) return failure("cannot read the outbox: " + known.error().message);
    bool ack = flag_of(params, "ack");

    // Queue first: a message is in the outbox before anything is sent.
    std::vector<std::string> keys;
    std::map<std::string, std::string> role_of;
    // What an earlier, interrupted apply queued (escalations included) is
    // this step's too, and is sent before anything new.
    for (auto& [key, e] : *known)
      if (e.step == context.step_id) keys.push_back(key);
    for (std::size_t i = 0; i < prepared->audience.people.size(); ++i) {
      const Contact* c = prepared->audience.people[i];
      std::string key = message_key(context.incident_id, context.step_id, c->id);
      role_of[key] = prepared->audience.through_role[i];
      if (known->count(key)) continue;
      keys.push_back(key);
      auto queued = queue_message(**outbox, *known, key, *c, prepared->message, context, ack);
      if (!queued) return queued.error();
    }

    auto notices = read_journal_notices(context.incident_dir);
    if (!notices) return refusal("the journal does not verify, so no notification is sent from it: " + notices.error().message);
    auto within = duration_param(params, "within", std::chrono::minutes(2));
    if (!within) return within.error();
    DeliveryRun run;
    run.channels = &prepared->settings.channels;
    run.broken = &prepared->settings.broken;
    run.compromised_now = CompromisedChannels(context.incident_dir, notices->compromised_channels);
    auto only_list = strings_of(params, "channels");
    run.only = std::set<std::string>(only_list.begin(), only_list.end());
    run.policy = prepared->settings.policy;
    run.outbox = outbox->get();
    run.deadline = std::min(context.deadline, Clock::now() + *within);
    run.interrupted = context.interrupted;
    run.progress = context.progress;

    auto sent = send_pending(run, **outbox, keys);
    if (!sent) return sent.error();

    std::vector<std::string> escalated;
    if (ack) {
      auto escalate_after = duration_param(params, "escalate_after");
      if (!escalate_after) return escalate_after.error();
      if (*escalate_after) {
        // The wait for acknowledgements is over before escalations go out:
        // they get the step's full sending time again.
        run.deadline = std::min(context.deadline, Clock::now() + *within);
        auto more = escalate(**outbox, run, keys, role_of, prepared->settings.contacts, **escalate_after, context,
                             prepared->message, escalated);
        if (!more) return more.error();
      }
    }
    return receipt_of(**outbox, keys, context, escalated);
  }

  Result<Verification> verify(const json::object&, const Receipt* receipt, const json::object& planned,
                              StepContext& context) const override {
    Verification v;
    if (receipt) {
      v.in_effect = true;
      v.detail = std::to_string(receipt->output.contains("delivered") ? receipt->output.at("delivered").as_array().size() : 0) +
                 " delivered";
      return v;
    }
    // After a crash: what the outbox holds says how far it got; applying
    // again sends only what is still pending.
    auto entries = read_outbox(context.incident_dir);
    std::size_t delivered = 0, total = 0;
    if (entries)
      for (auto& [key, e] : *entries)
        if (e.step == context.step_id) {
          ++total;
          delivered += e.delivered ? 1 : 0;
        }
    (void)planned;
    v.in_effect = false;
    v.detail = std::to_string(delivered) + " of " + std::to_string(total) +
               " queued messages were delivered before the interruption; the rest are sent now";
    return v;
  }

 private:
  static Status queue_message(Outbox& outbox, std::map<std::string, OutboxEntry>& known, const std::string& key,
                              const Contact& c, const RenderedMessage& rendered, const StepContext& context, bool ack,
                              const std::string& escalated_from = "") {
    OutboxEntry e;
    e.escalated_from = escalated_from;
    e.key = key;
    e.step = context.step_id;
    e.contact = c.id;
    e.reach = c.reach;
    e.message.key = key;
    e.message.incident_id = context.incident_id;
    e.message.severity = severity_of(context);
    e.message.subject = rendered.subject;
    e.message.body = rendered.body;
    e.message.journal_witness = context.journal_witness;
    e.message.recipient = c.name;
    if (ack) {
      auto token = new_ack_token();
      if (!token) return token.error();
      e.message.ack_token = *token;
    }
    if (auto queued = outbox.queue(e); !queued) return queued;
    known[key] = e;
    return {};
  }

  static Status send_pending(const DeliveryRun& run, Outbox& outbox, const std::vector<std::string>& keys) {
    auto entries = outbox.read();
    if (!entries) return failure("cannot read the outbox: " + entries.error().message);
    std::vector<OutboxEntry> pending;
    for (auto& key : keys)
      if (auto it = entries->find(key); it != entries->end() && !it->second.delivered) pending.push_back(it->second);
    deliver_all(pending, run);
    return {};
  }

  // Waits for acknowledgements until `after` has passed since the messages
  // were queued; whoever has not acknowledged by then is escalated to the
  // next person of the role they were told through.
  static Status escalate(Outbox& outbox, const DeliveryRun& run, std::vector<std::string>& keys,
                         const std::map<std::string, std::string>& role_of, const Contacts& contacts, Duration after,
                         const StepContext& context, const RenderedMessage& rendered, std::vector<std::string>& escalated) {
    std::set<std::string> acked;
    auto entries = outbox.read();
    if (!entries) return entries.error();
    // Measured from when the messages were queued, so that a resumed run
    // escalates on time rather than waiting the whole period again.
    auto until = Clock::now() + after;
    for (auto& key : keys)
      if (auto it = entries->find(key); it != entries->end() && it->second.escalated_from.empty())
        if (auto queued = parse_rfc3339(it->second.queued_time)) {
          auto elapsed = std::chrono::system_clock::now() - *queued;
          until = std::min(until, Clock::now() + std::chrono::duration_cast<Clock::duration>(after - elapsed));
          break;
        }
    // Messages that never arrived are not acknowledged either: they
    // escalate too. Escalations themselves do not escalate again.
    auto unacked = [&] {
      std::vector<std::string> out;
      for (auto& key : keys) {
        auto it = entries->find(key);
        if (it == entries->end() || !it->second.escalated_from.empty()) continue;
        if (!acked.count(ack_token_digest(it->second.message.ack_token))) out.push_back(key);
      }
      return out;
    };
    while (true) {
      auto notices = read_journal_notices(context.incident_dir);
      if (!notices) return refusal("the journal does not verify: " + notices.error().message);
      acked = notices->acked_tokens;
      auto waiting = unacked();
      if (waiting.empty()) return {};
      if (Clock::now() >= until) break;
      if (context.should_stop()) return interruption("stopped while waiting for acknowledgements");
      if (context.progress) {
        std::string who;
        for (auto& k : waiting) who += (who.empty() ? "" : ", ") + entries->at(k).contact;
        auto left = std::chrono::duration_cast<std::chrono::seconds>(until - Clock::now()).count();
        context.progress->progress(0, 0, "",
                                   "waiting for " + who + " (" + std::to_string(left) + " s before escalating)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    std::set<std::string> told;
    std::map<std::string, std::string> escalation_of;  // escalated contact -> key of its escalation
    for (auto& [k, e] : *entries)
      if (e.step == context.step_id) {
        told.insert(e.contact);
        if (!e.escalated_from.empty()) escalation_of[e.escalated_from] = k;
      }
    std::vector<std::string> added;
    for (auto& key : unacked()) {
      if (auto done = escalation_of.find(entries->at(key).contact); done != escalation_of.end()) {
        // Queued before an interruption: send that one, not a new one.
        escalated.push_back(entries->at(key).contact + " -> " + entries->at(done->second).contact);
        if (!entries->at(done->second).delivered) added.push_back(done->second);
        continue;
      }
      const OutboxEntry& first = entries->at(key);
      // Told by name: escalate within the first role the person holds.
      std::string role = role_of.count(key) ? role_of.at(key) : "";
      if (role.empty())
        if (const Contact* c = contacts.find(first.contact); c && !c->roles.empty()) role = c->roles.front();
      const Contact* next = nullptr;
      if (!role.empty())
        for (const Contact* c : contacts.in_role(role))
          if (!told.count(c->id)) {
            next = c;
            break;
          }
      if (!next) {
        escalated.push_back(first.contact + " -> nobody (no one else holds role " + (role.empty() ? "(none)" : role) + ")");
        continue;
      }
      told.insert(next->id);
      std::string escalation_key = message_key(context.incident_id, context.step_id, next->id);
      RenderedMessage message = rendered;
      message.subject = "[Escalated] " + rendered.subject;
      message.body = first.message.recipient + " (" + role + ") has not acknowledged this within " + format_duration(after) +
                     ".\n\n" + rendered.body;
      if (!entries->count(escalation_key)) {
        if (auto q = queue_message(outbox, *entries, escalation_key, *next, message, context, true, first.contact); !q) return q;
      }
      escalated.push_back(first.contact + " -> " + next->id);
      added.push_back(escalation_key);
    }
    for (auto& k : added)
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(k);
    if (!added.empty()) return send_pending(run, outbox, added);
    return {};
  }

  static Result<Receipt> receipt_of(Outbox& outbox, const std::vector<std::string>& keys, const StepContext& context,
                                    const std::vector<std::string>& escalated) {
    auto entries = outbox.read();
    if (!entries) return failure("cannot read the outbox: " + entries.error().message);
    Receipt receipt;
    json::array delivered, fell_back, failed, deliveries, acks;
    for (auto& key : keys) {
      auto it = entries->find(key);
      if (it == entries->end()) continue;
      const OutboxEntry& e = it->second;
      if (e.delivered) {
        delivered.push_back(json::string(e.contact));
        deliveries.push_back(json::object{{"contact", e.contact}, {"channel", e.channel}, {"address", e.address},
                                          {"time", e.time}, {"detail", e.detail}, {"key", e.key}});
        if (!e.fell_back_from.empty()) {
          fell_back.push_back(json::object{{"contact", e.contact}, {"from", string_array(e.fell_back_from)}, {"via", e.channel}});
          receipt.changes.push_back("told " + e.contact + " by " + e.channel + " (after " + comma_joined(e.fell_back_from) + " failed)");
        } else {
          receipt.changes.push_back("told " + e.contact + " by " + e.channel);
        }
        if (!e.message.ack_token.empty())
          acks.push_back(json::object{{"contact", e.contact}, {"token_sha256", ack_token_digest(e.message.ack_token)}});
      } else {
        failed.push_back(json::object{{"contact", e.contact}, {"error", e.last_error}});
        receipt.changes.push_back("could not tell " + e.contact + ": " + e.last_error);
      }
    }
    if (delivered.empty())
      return failure("nobody in the audience was reached" + (failed.empty() ? std::string() : ": " + receipt.changes.front()));
    receipt.output = {{"delivered", delivered},   {"fell_back", fell_back},          {"failed", failed},
                      {"deliveries", deliveries}, {"witness", context.journal_witness}, {"acks", acks},
                      {"escalated", string_array(escalated)}};
    return receipt;
  }
};

RESPONDER_MODULE(NotifySend);

}  // namespace
}  // namespace responder::notify
