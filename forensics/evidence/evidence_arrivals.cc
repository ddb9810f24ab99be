// The controller's end of evidence streamed from a far side
// (responder/targets/evidence_relay.h): each item is written into this
// incident's store by an EvidenceWriter, hashed as it arrives, and stored
// only when its SHA-256 is the one the far side computed before sending.
// The manifest records where it came from: the host as the inventory names
// it, how it was reached, and the identity the far side gave.
#include <sys/statvfs.h>

#include <atomic>
#include <map>
#include <memory>
#include <utility>

#include "forensics/evidence/evidence_writer.h"
#include "responder/message_text.h"
#include "responder/module.h"
#include "responder/targets/evidence_relay.h"

namespace responder::evidence {
namespace {

std::string text_of(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

bool is_sha256(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class StoreArrivals final : public targets::EvidenceArrivals {
 public:
  StoreArrivals(const StepContext& context, targets::EvidenceSource source)
      : context_(context), source_(std::move(source)) {}

  Status begin(std::uint64_t item, const std::string& name) override {
    if (name.size() > kMaxName) return failure("the item's name is longer than " + std::to_string(kMaxName) + " bytes");
    if (auto room = enough_room(); !room) return room;
    // The host's name leads the item's file name: items/0007-web01-auth.log.
    auto writer = EvidenceWriter::begin(context_, source_.host + "-" + one_line(name), false);
    if (!writer) return writer.error();
    writers_[item] = std::move(*writer);
    return {};
  }

  Status data(std::uint64_t item, std::string_view bytes) override {
    auto it = writers_.find(item);
    if (it == writers_.end()) return failure("evidence item " + std::to_string(item) + " was not begun");
    // Counted over every item of every host, so that many items at once
    // cannot write far past the reserve between two looks.
    static std::atomic<std::uint64_t> unchecked{0};
    if (unchecked.fetch_add(bytes.size()) + bytes.size() >= kRoomCheckEvery) {
      unchecked = 0;
      if (auto room = enough_room(); !room) return room;
    }
    return it->second->write(bytes);
  }

  Result<json::object> end(std::uint64_t item, const json::object& description) override {
    auto it = writers_.find(item);
    if (it == writers_.end()) return failure("evidence item " + std::to_string(item) + " was not begun");
    std::unique_ptr<EvidenceWriter> writer = std::move(it->second);
    writers_.erase(it);
    // What the far side says is kept in the manifest and shown on
    // terminals: bounded, and one printable line.
    if (to_json_text(description).size() > kMaxDescription)
      return failure("the far side's description of the item is larger than " + std::to_string(kMaxDescription >> 10) +
                     " KiB; " + source_.host + "'s item was not stored");
    std::string sha256 = text_of(description, "sha256");
    if (!is_sha256(sha256))
      return failure("the far side did not give the item's SHA-256; " + source_.host + "'s item was not stored");
    json::object metadata;
    if (auto* m = description.if_contains("metadata"); m && m->is_object()) metadata = m->get_object();
    json::object remote{{"host", source_.host},
                        {"reach", source_.reach},
                        {"sha256_there", sha256},
                        {"acquired_there_from", text_of(description, "acquired_from")},
                        {"acquired_there_to", text_of(description, "acquired_to")}};
    if (auto* id = description.if_contains("identity"); id && id->is_object()) {
      remote["hostname"] = text_of(id->get_object(), "hostname");
      remote["machine_id"] = text_of(id->get_object(), "machine_id");
    }
    metadata["remote"] = std::move(remote);
    std::string source = source_.host + ":" + one_line(text_of(description, "source"));
    std::string method = one_line(text_of(description, "method"));
    method += (method.empty() ? "" : "; ") + std::string("streamed from ") + source_.host +
              ", SHA-256 computed there before sending and here on arrival";
    auto stored = writer->finish(source, metadata, method, sha256);
    if (!stored) return stored.error();
    return stored->to_json();
  }

  void abandon(std::uint64_t item) override { writers_.erase(item); }

 private:
  static constexpr std::size_t kMaxName = 255;
  static constexpr std::size_t kMaxDescription = 256u << 10;
  static constexpr std::uint64_t kRoomCheckEvery = 16u << 20;
  // Left free for the journal and the other items: a far side (which may
  // be compromised) cannot fill the disk the incident's records live on.
  static constexpr std::uint64_t kReserve = 512ull << 20;

  Status enough_room() const {
    struct statvfs room {};
    if (::statvfs(context_.incident_dir.c_str(), &room) != 0) return {};
    std::uint64_t free = static_cast<std::uint64_t>(room.f_bavail) * room.f_frsize;
    if (free >= kReserve) return {};
    return failure("the evidence store has " + std::to_string(free >> 20) + " MiB left, less than the " +
                   std::to_string(kReserve >> 20) + " MiB kept for the journal; " + source_.host +
                   "'s item was not stored");
  }

  const StepContext& context_;
  targets::EvidenceSource source_;
  std::map<std::uint64_t, std::unique_ptr<EvidenceWriter>> writers_;
};

std::unique_ptr<targets::EvidenceArrivals> make_store_arrivals(const StepContext& context,
                                                              const targets::EvidenceSource& source) {
  return std::make_unique<StoreArrivals>(context, source);
}

const bool registered = (targets::register_evidence_arrivals(&make_store_arrivals), true);

}  // namespace
}  // namespace responder::evidence
