#include "containment/firewall/firewall_block_targets.h"

#include <netinet/in.h>

#include <algorithm>
#include <sstream>

#include "containment/firewall/firewall_params.h"
#include "responder/durable_file.h"

namespace responder::firewall {

// 10 million addresses of 40 characters: far beyond a real block list.
constexpr std::uint64_t kMaxAddressesFile = std::uint64_t{400} << 20;
namespace {

Status take(const AddressRange& range, const std::string& where, const SafetyRules* safety,
            std::vector<AddressRange>& ranges) {
  if (range.everything())
    return refusal(where + ": refusing to block " + readable(range) +
                   " (every address); to cut this host off except for management, use firewall.isolate");
  if (auto conflict = protection_touching(safety, range); !conflict.empty())
    return refusal(where + ": refusing to block " + readable(range) + ": it covers " + conflict);
  ranges.push_back(range);
  return {};
}

}  // namespace

Result<BlockTargets> read_block_targets(const json::object& params, const SafetyRules* safety) {
  std::vector<AddressRange> ranges;
  if (auto* list = params.if_contains("addresses"); list && list->is_array()) {
    std::size_t i = 0;
    for (auto& item : list->get_array()) {
      std::string where = "addresses[" + std::to_string(i++) + "]";
      if (!item.is_string()) return bad_input(where + ": expected an address, prefix or range");
      auto range = parse_address_range(item.get_string());
      if (!range) return bad_input(where + ": " + range.error().message);
      if (auto s = take(*range, where, safety, ranges); !s) return s.error();
    }
  }
  if (auto* file = params.if_contains("addresses_file"); file && file->is_string()) {
    std::string path(file->get_string());
    // A regular file, bounded: never a device or a FIFO (durable_file.h).
    auto text = read_text_file(path, kMaxAddressesFile);
    if (!text) return bad_input("addresses_file " + path + ": " + text.error().message);
    std::istringstream in(*text);
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
      // One range a line, with white space (and a CRLF line end) around it.
      auto begin = line.find_first_not_of(" \t\r");
      if (begin == std::string::npos) continue;
      auto end = line.find_last_not_of(" \t\r");
      std::string where = path + ":" + std::to_string(number);
      auto range = parse_address_range(std::string_view(line).substr(begin, end - begin + 1));
      if (!range) return bad_input(where + ": " + range.error().message);
      if (auto s = take(*range, where, safety, ranges); !s) return s.error();
    }
  }
  BlockTargets t;
  std::vector<AddressRange> nets;
  for (auto& r : ranges) {
    if (r.single()) (r.family() == AF_INET ? t.hosts4 : t.hosts6).push_back(r.first);
    else nets.push_back(r);
  }
  for (auto* hosts : {&t.hosts4, &t.hosts6}) {
    std::sort(hosts->begin(), hosts->end());
    hosts->erase(std::unique(hosts->begin(), hosts->end()), hosts->end());
  }
  for (auto& r : merged(std::move(nets))) (r.family() == AF_INET ? t.nets4 : t.nets6).push_back(r);
  return t;
}

}  // namespace responder::firewall
