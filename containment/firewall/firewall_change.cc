#include "containment/firewall/firewall_change.h"

#include <algorithm>
#include <map>
#include <set>

#include "containment/firewall/firewall_address_range.h"
#include "containment/firewall/nft_session.h"
#include "containment/firewall/nft_table_state.h"
#include "containment/firewall/nft_transaction.h"
#include "responder/clock.h"

namespace responder::firewall {
namespace {

using KeyMap = std::map<std::string, std::set<std::string>>;

// Seconds left until `at_ms`, rounded up, at least 1.
std::int64_t seconds_until(std::int64_t at_ms, std::int64_t now) { return std::max<std::int64_t>(1, (at_ms - now + 999) / 1000); }

const nft_layout::SetDecl* block_set(const std::string& name) {
  for (auto& s : nft_layout::block_sets())
    if (s.name == name) return &s;
  return nullptr;
}

// Address interval sets (not concatenations): overlap is decided by range
// arithmetic, so that only the uncovered gaps become ours.
bool is_address_interval(const std::string& set) {
  auto* decl = block_set(set);
  return decl && decl->interval && decl->type.is_string();
}

bool is_interval(const std::string& set) {
  auto* decl = block_set(set);
  return decl && decl->interval;
}

// The keys of `batch` that `present` does not already hold.
Result<json::array> absent_keys(const ElementBatch& batch, const std::set<std::string>& present) {
  json::array out;
  if (is_address_interval(batch.set)) {
    std::vector<AddressRange> taken;
    for (auto& key : present)
      if (auto r = parse_address_range(key)) taken.push_back(*r);
    taken = merged(std::move(taken));
    for (auto& key : batch.keys) {
      auto range = range_from_nft(key);
      if (!range) return range.error();
      std::vector<AddressRange> same_family;
      for (auto& t : taken)
        if (t.family() == range->family()) same_family.push_back(t);
      for (auto& gap : subtract(*range, same_family)) out.push_back(nft_value(gap));
    }
    return out;
  }
  for (auto& key : batch.keys) {
    auto k = element_key(key);
    if (!k) return k.error();
    if (!present.count(*k)) out.push_back(key);
  }
  return out;
}

json::array with_timeout(const json::array& keys, std::optional<std::int64_t> timeout_s) {
  if (!timeout_s) return keys;
  json::array out;
  out.reserve(keys.size());
  for (auto& k : keys) out.push_back(timed_element(k, timeout_s));
  return out;
}

// Brings the shared skeleton (table, block sets, block chains and their
// rules) to what the layout declares, touching only what is missing or
// damaged. A chain of ours with fewer rules than this build declares (cut
// by hand, or made by an older build) is flushed and refilled; one with
// more was laid out by a newer build, whose rules for sets this build does
// not know would be lost, so it is left as it is.
void add_skeleton(const NftTableState& shape, NftTransaction& txn) {
  if (!shape.present) txn.add_table();
  for (auto& set : nft_layout::block_sets())
    if (!shape.has_set(set.name)) txn.add_set(set);
  for (auto& chain : nft_layout::block_chains()) {
    if (!shape.has_chain(chain.name)) {
      txn.add_chain(chain);
      continue;
    }
    if (shape.chain_rules.at(chain.name) >= chain.rules.size()) continue;
    auto commands = chain_commands(chain);
    txn.append(json::object{{"flush", json::object{{"chain", json::object{{"family", nft_layout::kFamily},
                                                                        {"table", nft_layout::kTable},
                                                                        {"name", chain.name}}}}}});
    for (std::size_t i = 1; i < commands.size(); ++i) txn.append(commands[i]);
  }
}

struct Built {
  NftTransaction txn;
  FirewallReceipt receipt;
  bool adds_anything = false;
};

// The transaction and would-be receipt for `change`, given what the live
// sets hold (`present`, for the sets named in `listed`; sets not listed are
// assumed not to hold the elements, and `create` checks that in the kernel).
Result<Built> build(const FirewallChange& change, const NftTableState& shape, const KeyMap& present,
                    const std::set<std::string>& listed, std::int64_t now) {
  Built b;
  FirewallReceipt& r = b.receipt;
  r.module = change.module;
  std::optional<std::int64_t> timeout_s;
  if (change.expires) {
    r.expires_at_ms = now + std::chrono::duration_cast<std::chrono::milliseconds>(*change.expires).count();
    timeout_s = std::max<std::int64_t>(1, change.expires->count());
  }
  if (change.confirm_within) {
    r.confirm_by_ms = now + std::chrono::duration_cast<std::chrono::milliseconds>(*change.confirm_within).count();
    std::int64_t c = std::max<std::int64_t>(1, change.confirm_within->count());
    timeout_s = timeout_s ? std::min(*timeout_s, c) : c;
  }
  r.timeout_s = timeout_s;

  add_skeleton(shape, b.txn);
  for (auto& set : change.own_sets) {
    b.txn.add_set(set);
    r.own_sets.push_back({set.name, json::array{set_command(set)}});
  }
  for (auto& chain : change.own_chains) {
    b.txn.add_chain(chain);
    r.own_chains.push_back({chain.name, chain_commands(chain)});
  }
  b.adds_anything = !change.own_sets.empty() || !change.own_chains.empty();
  static const std::set<std::string> none;
  for (auto& batch : change.batches) {
    json::array keys;
    if (batch.own_set || !listed.count(batch.set)) {
      keys = batch.keys;
    } else {
      auto it = present.find(batch.set);
      auto absent = absent_keys(batch, it == present.end() ? none : it->second);
      if (!absent) return absent.error();
      keys = std::move(*absent);
    }
    if (keys.empty()) continue;
    // `create` (exclusive) only for shared hash sets. nft 1.0.6 answers
    // "File exists" to `create` into an interval set made in the same
    // transaction, and for interval sets the absent parts were computed from
    // a fresh listing anyway (nft itself refuses overlapping intervals).
    auto elements = with_timeout(keys, batch.timed ? timeout_s : std::nullopt);
    if (!batch.own_set && !is_interval(batch.set)) b.txn.create_elements(batch.set, std::move(elements));
    else b.txn.add_elements(batch.set, std::move(elements));
    r.batches.push_back({batch.set, std::move(keys), batch.own_set, batch.timed});
    b.adds_anything = true;
  }
  for (auto& batch : change.protective) {
    auto it = present.find(batch.set);
    auto absent = absent_keys(batch, it == present.end() ? none : it->second);
    if (!absent) return absent.error();
    if (!absent->empty()) b.txn.add_elements(batch.set, std::move(*absent));
  }
  return b;
}

// One set key as a person writes it: 198.18.0.0/15, 10.0.0.1-10.0.0.9,
// 203.0.113.7 . tcp . 22.
std::string key_text(const json::value& key) {
  if (key.is_string()) return std::string(key.get_string());
  if (key.is_int64()) return std::to_string(key.get_int64());
  if (key.is_object()) {
    auto& o = key.get_object();
    if (auto* e = o.if_contains("elem"); e && e->is_object() && e->get_object().contains("val"))
      return key_text(e->get_object().at("val"));
    if (auto* p = o.if_contains("prefix"); p && p->is_object() && p->get_object().contains("addr"))
      return key_text(p->get_object().at("addr")) + "/" + key_text(p->get_object().if_contains("len") ? p->get_object().at("len") : json::value(""));
    if (auto* r = o.if_contains("range"); r && r->is_array() && r->get_array().size() == 2)
      return key_text(r->get_array()[0]) + "-" + key_text(r->get_array()[1]);
    if (auto* c = o.if_contains("concat"); c && c->is_array()) {
      std::string out;
      for (auto& part : c->get_array()) out += (out.empty() ? "" : " . ") + key_text(part);
      return out;
    }
  }
  return to_json_text(key);
}

std::string examples(const std::vector<std::string>& keys) {
  std::string out;
  for (std::size_t i = 0; i < keys.size() && i < 3; ++i) out += (i ? ", " : "") + keys[i];
  if (keys.size() > 3) out += ", ...";
  return out;
}

bool mentions(const Error& e, const char* what) { return e.message.find(what) != std::string::npos; }

}  // namespace

Result<PlanResult> plan_change(const FirewallChange& change, std::vector<std::string> preface) {
  auto session = NftSession::open();
  if (!session) return session.error();
  auto state = read_table(*session);
  if (!state) return state.error();
  std::set<std::string> listed;
  for (auto& [name, keys] : state->elements) listed.insert(name);
  auto built = build(change, *state, state->elements, listed, now_unix_ms());
  if (!built) return built.error();
  PlanResult plan;
  plan.changes = std::move(preface);
  if (!built->adds_anything) {
    plan.changes.push_back("nothing to add: everything asked for is already in force (added by earlier steps)");
  } else {
    // In a responder's terms: what is set up and which keys go where. The
    // transaction itself is in the plan's detail (journaled; `plan
    // --verbose` and `--json` show it).
    std::map<std::string, std::size_t> made;
    for (auto& c : built->txn.commands())
      for (auto& [verb, body] : c.as_object())
        if (body.is_object() && verb != "create")
          for (auto& [kind, _] : body.as_object())
            if (kind != "element") ++made[std::string(kind)];
    if (!made.empty()) {
      std::string what;
      for (const char* kind : {"table", "set", "chain", "rule"})
        if (auto n = made[kind]) what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + kind + (n == 1 ? "" : "s");
      plan.changes.push_back("set up in table inet responder: " + what);
    }
    std::set<std::string> recorded;
    for (auto& batch : built->receipt.batches) {
      recorded.insert(batch.set);
      std::vector<std::string> keys;
      for (auto& k : batch.keys) keys.push_back(key_text(k));
      plan.changes.push_back("add " + std::to_string(keys.size()) + " to set " + batch.set + ": " + examples(keys));
    }
    // What the step adds to keep reachable (management ranges, this host's
    // own SSH peer): part of the transaction, not of the receipt.
    for (auto& c : built->txn.commands())
      for (auto& [verb, body] : c.as_object()) {
        auto* element = body.is_object() ? body.get_object().if_contains("element") : nullptr;
        if (!element || !element->is_object()) continue;
        auto* name = element->get_object().if_contains("name");
        auto* elems = element->get_object().if_contains("elem");
        if (!name || !name->is_string() || !elems || !elems->is_array() || recorded.count(std::string(name->get_string())))
          continue;
        std::vector<std::string> keys;
        for (auto& k : elems->get_array()) keys.push_back(key_text(k));
        plan.changes.push_back("add " + std::to_string(keys.size()) + " to set " + std::string(name->get_string()) + ": " +
                               examples(keys) + " (never blocked: kept reachable)");
      }
    plan.changes.push_back("as one nftables transaction of " + std::to_string(built->txn.commands().size()) +
                           " commands: all of it or none of it (plan --verbose lists them)");
  }
  plan.detail["transaction"] = built->adds_anything ? built->txn.document() : json::value(nullptr);
  plan.detail["receipt"] = built->receipt.to_json();
  return plan;
}

Result<FirewallReceipt> apply_change(const FirewallChange& change) {
  auto session = NftSession::open();
  if (!session) return session.error();
  // Interval sets are fetched by nft on every add anyway; read them first.
  // Hash sets are not read: `create` fails in the kernel if an element is
  // already there, and only then are they read (the 100,000-entry case stays
  // one listing-free transaction).
  std::set<std::string> listed;
  for (auto& b : change.batches)
    if (!b.own_set && is_interval(b.set)) listed.insert(b.set);
  for (auto& b : change.protective) listed.insert(b.set);
  Error last;
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto shape = read_table_shape(*session);
    if (!shape) return shape.error();
    for (auto& chain : change.own_chains)
      if (shape->has_chain(chain.name))
        return failure("chain " + chain.name + " of this step already exists in table inet responder: the step is "
                       "already applied (undo it first, or resume the incident)");
    auto present = read_set_keys(*session, listed);
    if (!present) return present.error();
    auto built = build(change, *shape, *present, listed, now_unix_ms());
    if (!built) return built.error();
    if (!built->adds_anything) return built->receipt;
    auto committed = session->commit(built->txn.document());
    if (committed) return built->receipt;
    last = committed.error();
    if (!mentions(last, "File exists")) return last;
    // Some element was already there: read every set we add to, and retry
    // with only the absent ones.
    for (auto& b : change.batches)
      if (!b.own_set) listed.insert(b.set);
  }
  return last;
}

Result<Verification> verify_change(const FirewallReceipt* receipt, const json::object& planned, bool just_applied) {
  FirewallReceipt candidate;
  if (receipt) {
    candidate = *receipt;
  } else {
    auto* r = planned.if_contains("receipt");
    if (!r || !r->is_object()) {
      Verification v;
      v.detail = "no receipt and no plan recorded: nothing known to be in force";
      return v;
    }
    auto parsed = FirewallReceipt::from_json(r->as_object());
    if (!parsed) return parsed.error();
    candidate = std::move(*parsed);
  }
  bool shape_only = just_applied && receipt;
  auto session = NftSession::open();
  if (!session) return session.error();
  auto state = shape_only ? read_table_shape(*session) : read_table(*session);
  if (!state) return state.error();

  Verification v;
  std::int64_t now = now_unix_ms();
  std::size_t total = candidate.element_count();
  std::vector<std::string> problems;
  if (candidate.confirm_by_ms && now >= *candidate.confirm_by_ms)
    problems.push_back("not confirmed by " + format_unix_ms(*candidate.confirm_by_ms) +
                       ": the dead-man switch released it (the kernel dropped the timed elements)");
  else if (candidate.expires_at_ms && now >= *candidate.expires_at_ms)
    problems.push_back("expired as scheduled at " + format_unix_ms(*candidate.expires_at_ms));
  if (!state->present && (total > 0 || !candidate.own_chains.empty())) {
    problems.push_back("table inet responder is gone (was the ruleset flushed or nftables restarted?): none of the " +
                       std::to_string(total) + " element(s) of this step is in force");
  } else {
    for (auto& chain : candidate.own_chains) {
      std::size_t want = chain.commands.size() - 1;
      if (!state->has_chain(chain.name)) problems.push_back("chain " + chain.name + " is missing");
      else if (state->chain_rules.at(chain.name) != want)
        problems.push_back("chain " + chain.name + " has " + std::to_string(state->chain_rules.at(chain.name)) + " of its " +
                           std::to_string(want) + " rules");
    }
    // More rules than this build lays out is a newer build's layout (see
    // add_skeleton), not damage.
    for (auto& block : nft_layout::block_chains())
      if (total > 0 && state->has_chain(block.name) && state->chain_rules.at(block.name) < block.rules.size())
        problems.push_back("chain " + block.name + " has " + std::to_string(state->chain_rules.at(block.name)) +
                           " of its " + std::to_string(block.rules.size()) + " rules");
    for (auto& batch : candidate.batches) {
      if (shape_only) {
        if (!state->has_set(batch.set))
          problems.push_back("set " + batch.set + " is gone: none of its " + std::to_string(batch.keys.size()) +
                             " element(s) of this step is in force");
        continue;
      }
      auto& live = state->keys(batch.set);
      std::vector<std::string> missing;
      for (auto& key : batch.keys) {
        auto k = element_key(key);
        if (!k) return k.error();
        if (!live.count(*k)) missing.push_back(*k);
      }
      if (!missing.empty())
        problems.push_back(std::to_string(missing.size()) + " of " + std::to_string(batch.keys.size()) +
                           " element(s) missing from set " + batch.set + " (" + examples(missing) + ")");
    }
  }
  v.in_effect = problems.empty();
  if (v.in_effect) {
    v.detail = total == 0 && candidate.own_chains.empty()
                   ? "nothing of this step's own to keep in force: everything was already present before it"
                   : "in force: " + std::to_string(total) + " element(s) and " + std::to_string(candidate.own_chains.size()) +
                         " chain(s) of this step " +
                         (shape_only ? "committed in one transaction the kernel accepted; table, chains and sets in place"
                                     : "present in table inet responder");
    if (candidate.confirm_by_ms) v.detail += "; awaiting `responder confirm` before " + format_unix_ms(*candidate.confirm_by_ms);
    if (!receipt) {
      Receipt recovered;
      recovered.undo = candidate.to_json();
      recovered.changes.push_back("recovered from the plan: " + std::to_string(total) + " element(s) in table inet responder");
      v.recovered = std::move(recovered);
    }
  } else {
    v.detail = "not in force: ";
    for (std::size_t i = 0; i < problems.size(); ++i) v.detail += (i ? "; " : "") + problems[i];
    if (receipt && !(candidate.confirm_by_ms && now >= *candidate.confirm_by_ms) &&
        !(candidate.expires_at_ms && now >= *candidate.expires_at_ms))
      v.detail += ". `responder resume ID --reconcile` re-applies it";
  }
  return v;
}

Status undo_change(const FirewallReceipt& receipt) {
  auto session = NftSession::open();
  if (!session) return session.error();
  std::set<std::string> own_sets, own_chains;
  for (auto& s : receipt.own_sets) own_sets.insert(s.name);
  for (auto& c : receipt.own_chains) own_chains.insert(c.name);
  Error last;
  for (int attempt = 0; attempt < 4; ++attempt) {
    auto state = read_table(*session);
    if (!state) return state.error();
    if (!state->present) return {};  // nothing of ours is left to remove

    // Keys this step added, per shared set.
    KeyMap mine;
    for (auto& batch : receipt.batches) {
      if (batch.own_set) continue;
      for (auto& key : batch.keys) {
        auto k = element_key(key);
        if (!k) return k.error();
        mine[batch.set].insert(*k);
      }
    }
    // Does anything of another step remain once ours is gone?
    bool others_remain = false;
    for (auto& [name, keys] : state->elements) {
      if (own_sets.count(name) || nft_layout::is_protective_set(name)) continue;
      if (!block_set(name)) { others_remain = true; break; }  // another step's own set
      auto it = mine.find(name);
      for (auto& k : keys)
        if (it == mine.end() || !it->second.count(k)) { others_remain = true; break; }
      if (others_remain) break;
    }
    for (auto& entry : state->chain_rules) {
      const auto& name = entry.first;  // not a binding: clang before 16 cannot capture one
      bool block = std::any_of(nft_layout::block_chains().begin(), nft_layout::block_chains().end(),
                               [&](auto& c) { return c.name == name; });
      if (!block && !own_chains.count(name)) others_remain = true;
    }

    NftTransaction txn;
    if (!others_remain) {
      txn.delete_table();
    } else {
      for (auto& chain : receipt.own_chains)
        if (state->has_chain(chain.name)) txn.delete_chain(chain.name);
      for (auto it = receipt.own_sets.rbegin(); it != receipt.own_sets.rend(); ++it)
        if (state->has_set(it->name)) txn.delete_set(it->name);
      for (auto& batch : receipt.batches) {
        if (batch.own_set) continue;
        auto& live = state->keys(batch.set);
        json::array present;
        for (auto& key : batch.keys)
          if (live.count(*element_key(key))) present.push_back(key);
        txn.delete_elements(batch.set, std::move(present));
      }
    }
    if (txn.empty()) return {};
    auto committed = session->commit(txn.document());
    if (committed) return {};
    // An element may have expired between the read and the commit: read again.
    last = committed.error();
  }
  return last;
}

Result<FirewallReceipt> confirm_change(const FirewallReceipt& receipt) {
  if (!receipt.confirm_by_ms) return receipt;
  std::int64_t now = now_unix_ms();
  if (now >= *receipt.confirm_by_ms)
    return failure("too late to confirm: the deadline was " + format_unix_ms(*receipt.confirm_by_ms) +
                   " and the kernel has already dropped the change");
  std::optional<std::int64_t> timeout_s;
  if (receipt.expires_at_ms) {
    if (now >= *receipt.expires_at_ms) return failure("nothing to confirm: the change expired at " + format_unix_ms(*receipt.expires_at_ms));
    timeout_s = seconds_until(*receipt.expires_at_ms, now);
  }
  // Replacing an element is the only way nft 1.0 changes its timeout; both
  // halves in one transaction, so there is no moment without it. If the
  // element is already gone, the delete fails and nothing changes.
  NftTransaction txn;
  for (auto& batch : receipt.batches)
    if (batch.timed) txn.delete_elements(batch.set, batch.keys);
  for (auto& batch : receipt.batches)
    if (batch.timed) txn.add_elements(batch.set, with_timeout(batch.keys, timeout_s));
  if (!txn.empty()) {
    auto session = NftSession::open();
    if (!session) return session.error();
    auto committed = session->commit(txn.document());
    if (!committed)
      return failure("cannot confirm: elements of this step are no longer in the kernel (expired or removed); " +
                     committed.error().message);
  }
  FirewallReceipt out = receipt;
  out.confirm_by_ms.reset();
  out.timeout_s = timeout_s;
  return out;
}

Status reconcile_change(const FirewallReceipt& receipt, bool confirmed) {
  std::int64_t now = now_unix_ms();
  if (receipt.confirm_by_ms && !confirmed && now >= *receipt.confirm_by_ms) return {};  // released by design
  bool timed_gone = receipt.expires_at_ms && now >= *receipt.expires_at_ms;
  std::optional<std::int64_t> timeout_s;
  if (receipt.expires_at_ms) timeout_s = seconds_until(*receipt.expires_at_ms, now);
  if (receipt.confirm_by_ms && !confirmed) {
    auto c = seconds_until(*receipt.confirm_by_ms, now);
    timeout_s = timeout_s ? std::min(*timeout_s, c) : c;
  }
  auto session = NftSession::open();
  if (!session) return session.error();
  auto shape = read_table_shape(*session);
  if (!shape) return shape.error();
  NftTransaction txn;
  add_skeleton(*shape, txn);
  for (auto& set : receipt.own_sets)
    if (!shape->has_set(set.name))
      for (auto& c : set.commands) txn.append(c);
  for (auto& chain : receipt.own_chains)
    if (!shape->has_chain(chain.name))
      for (auto& c : chain.commands) txn.append(c);
  bool elements = false;
  for (auto& batch : receipt.batches) {
    if (batch.timed && timed_gone) continue;
    txn.add_elements(batch.set, with_timeout(batch.keys, batch.timed ? timeout_s : std::nullopt));
    elements = true;
  }
  if (!elements && receipt.own_chains.empty()) return {};
  return session->commit(txn.document());
}

}  // namespace responder::firewall
