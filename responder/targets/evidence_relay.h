// Evidence that a module collects on a far side goes to the controller's
// evidence store, not to the far side's disk (DESIGN.md, "Targets"): one
// bundle per incident, on the responder's own write-once storage, and
// nothing written onto a host that may be compromised.
//
// The far side's evidence writer streams each item through an EvidenceRelay
// while it hashes it; the controller's EvidenceArrivals writes the same
// bytes into its store, hashes them again on arrival and stores the item
// only when both SHA-256 agree. The far side's module then sees the
// controller's record of the item (its number and path in the bundle), so
// its receipt names what the bundle holds.
//
// On the wire (step_protocol.h), standard output of the far side:
//   {"evidence": {"item": K, "name": N}}                 an item begins
//   {"evidence_data": {"item": K, "size": S}}\n<S bytes> its next bytes (S <= 4 MiB)
//   {"evidence_end": {"item": K, "description": {...}}}  its far side's digest and record
//   {"evidence_abandoned": {"item": K}}                  the far side gave it up
// and on its standard input, after the request, one line per ended item:
//   {"evidence_stored": {"item": K, "record": {...}}}    the controller's manifest record
//   {"evidence_refused": {"item": K, "error": "..."}}    not stored, and why
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "responder/json.h"
#include "responder/result.h"

namespace responder {
struct StepContext;
}

namespace responder::targets {

inline constexpr std::size_t kMaxEvidenceFrame = 4u << 20;

// The far side's end. Thread-safe: evidence.collect streams several items
// at once.
class EvidenceRelay {
 public:
  virtual ~EvidenceRelay() = default;
  // Announces an item; returns its number on this channel.
  virtual Result<std::uint64_t> open(const std::string& name) = 0;
  virtual Status send(std::uint64_t item, const std::byte* data, std::size_t size) = 0;
  // Ends the item with the far side's description of it (name, size,
  // sha256, chunks, source, method, metadata, acquired_from, acquired_to)
  // and waits for the controller: its manifest record of the item, or why
  // it was not stored.
  virtual Result<json::object> close(std::uint64_t item, json::object description) = 0;
  virtual void abandon(std::uint64_t item) = 0;
};

// The controller's end: one per far side exchange.
class EvidenceArrivals {
 public:
  virtual ~EvidenceArrivals() = default;
  virtual Status begin(std::uint64_t item, const std::string& name) = 0;
  virtual Status data(std::uint64_t item, std::string_view bytes) = 0;
  // Stores the item when the bytes that arrived have the size and SHA-256
  // the far side describes; returns the manifest record, or the refusal
  // (nothing stored).
  virtual Result<json::object> end(std::uint64_t item, const json::object& description) = 0;
  virtual void abandon(std::uint64_t item) = 0;
};

// Who the items come from, as the controller knows the host (recorded
// with each item in the manifest).
struct EvidenceSource {
  std::string host;   // inventory name
  std::string reach;  // how it was reached ("ssh root@192.0.2.4:22")
};

// Made by the evidence store (forensics), which registers the maker at
// start-up; null when this build has no evidence store. `context` is the
// controller's step context and outlives the arrivals.
using EvidenceArrivalsMaker = std::unique_ptr<EvidenceArrivals> (*)(const StepContext& context,
                                                                   const EvidenceSource& source);
void register_evidence_arrivals(EvidenceArrivalsMaker maker);
std::unique_ptr<EvidenceArrivals> make_evidence_arrivals(const StepContext& context, const EvidenceSource& source);

}  // namespace responder::targets
