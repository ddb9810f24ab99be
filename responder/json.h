// The dynamic value type shared by playbook parameters, module receipts,
// registered outputs and journal records: Boost.JSON.
//
// Boost.JSON is compiled once, in json.cc, rather than in every file.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace responder {
namespace json = boost::json;

// Compact serialisation, as written to the journal.
std::string to_json_text(const json::value& value);
// Parses one JSON document; throws boost::system::system_error on bad input.
json::value parse_json(std::string_view text);
// A human rendering for terminals: strings unquoted, everything else as JSON.
std::string display(const json::value& value);
// A JSON array of the strings, in order.
json::array string_array(const std::vector<std::string>& items);
// "a, b, c": for one-line human output.
std::string comma_joined(const std::vector<std::string>& items);

}  // namespace responder
