#include "responder/report/report_review.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "responder/diagnostic.h"
#include "responder/durable_file.h"
#include "responder/json.h"
#include "responder/printable_text.h"
#include "responder/yaml_json.h"

namespace responder {
namespace {

constexpr std::size_t kMaxNodes = 200000;
constexpr std::size_t kMaxText = 4096;

class ReviewReader {
 public:
  ReviewReader(std::string origin, SourceMap positions) : origin_(std::move(origin)), positions_(std::move(positions)) {}

  Error at(const std::string& path, const std::string& message) const {
    SourcePosition p;
    if (auto it = positions_.find(path); it != positions_.end()) p = it->second;
    else if (!path.empty()) p = {1, 1};
    return bad_input(Diagnostic{origin_, p.line, p.column, (path.empty() ? "" : path + ": ") + message}.format());
  }

  Result<std::string> text(const json::value& v, const std::string& path) const {
    if (!v.is_string()) return at(path, "must be text");
    const auto& s = v.as_string();
    if (s.empty()) return at(path, "must not be empty");
    if (s.size() > kMaxText) return at(path, "is longer than 4096 bytes");
    return std::string(s);
  }

  Result<double> amount(const json::value& v, const std::string& path) const {
    double d;
    if (v.is_int64()) d = static_cast<double>(v.as_int64());
    else if (v.is_uint64()) d = static_cast<double>(v.as_uint64());
    else if (v.is_double()) d = v.as_double();
    else return at(path, "must be a number");
    if (!std::isfinite(d) || d < 0 || d > 1e12) return at(path, "must be a number from 0 to 10^12");
    return d;
  }

  Result<std::vector<std::string>> texts(const json::value& v, const std::string& path) const {
    if (!v.is_array()) return at(path, "must be a list of text");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.as_array().size(); ++i) {
      auto t = text(v.as_array()[i], path + "[" + std::to_string(i) + "]");
      if (!t) return t.error();
      out.push_back(std::move(*t));
    }
    return out;
  }

  // The keys of a mapping must be among `known` (a typo must not silently
  // drop a cost from the report).
  Status keys(const json::object& o, const std::string& path, const std::vector<std::string>& known) const {
    for (auto& [key, value] : o) {
      std::string k(key);
      bool ok = false;
      for (auto& name : known) ok = ok || name == k;
      if (!ok) {
        auto hint = closest_match(k, known);
        return at(path.empty() ? k : path + "." + k,
                  "unknown key" + (hint.empty() ? std::string() : "; did you mean '" + hint + "'?"));
      }
    }
    return {};
  }

  Result<ReviewInput> read(const json::value& root) const {
    ReviewInput review;
    if (root.is_null()) return review;
    if (!root.is_object()) return at("", "the review file must be a mapping (currency, assets, effort, weaknesses, questions)");
    const auto& o = root.as_object();
    if (auto s = keys(o, "", {"currency", "assets", "effort", "weaknesses", "questions"}); !s) return s.error();
    if (auto* v = o.if_contains("currency")) {
      auto t = text(*v, "currency");
      if (!t) return t.error();
      review.currency = *t;
    }
    if (auto* v = o.if_contains("assets")) {
      if (!v->is_array()) return at("assets", "must be a list of assets");
      for (std::size_t i = 0; i < v->as_array().size(); ++i) {
        std::string path = "assets[" + std::to_string(i) + "]";
        const auto& item = v->as_array()[i];
        if (!item.is_object()) return at(path, "must be a mapping with name and cost_per_hour");
        const auto& a = item.as_object();
        if (auto s = keys(a, path, {"name", "cost_per_hour", "match"}); !s) return s.error();
        if (!a.contains("name")) return at(path, "needs a name");
        if (!a.contains("cost_per_hour")) return at(path, "needs a cost_per_hour");
        ReviewAsset asset;
        auto name = text(a.at("name"), path + ".name");
        if (!name) return name.error();
        asset.name = *name;
        auto cost = amount(a.at("cost_per_hour"), path + ".cost_per_hour");
        if (!cost) return cost.error();
        asset.cost_per_hour = *cost;
        if (auto* m = a.if_contains("match")) {
          auto match = texts(*m, path + ".match");
          if (!match) return match.error();
          asset.match = std::move(*match);
        } else {
          asset.match = {asset.name};
        }
        review.assets.push_back(std::move(asset));
      }
    }
    if (auto* v = o.if_contains("effort")) {
      if (!v->is_array()) return at("effort", "must be a list of {by, hours, cost_per_hour}");
      for (std::size_t i = 0; i < v->as_array().size(); ++i) {
        std::string path = "effort[" + std::to_string(i) + "]";
        const auto& item = v->as_array()[i];
        if (!item.is_object()) return at(path, "must be a mapping with by, hours and cost_per_hour");
        const auto& e = item.as_object();
        if (auto s = keys(e, path, {"by", "hours", "cost_per_hour", "what"}); !s) return s.error();
        for (const char* needed : {"by", "hours", "cost_per_hour"})
          if (!e.contains(needed)) return at(path, std::string("needs ") + needed);
        ReviewEffort effort;
        auto by = text(e.at("by"), path + ".by");
        if (!by) return by.error();
        effort.by = *by;
        auto hours = amount(e.at("hours"), path + ".hours");
        if (!hours) return hours.error();
        effort.hours = *hours;
        auto cost = amount(e.at("cost_per_hour"), path + ".cost_per_hour");
        if (!cost) return cost.error();
        effort.cost_per_hour = *cost;
        if (auto* w = e.if_contains("what")) {
          auto what = text(*w, path + ".what");
          if (!what) return what.error();
          effort.what = *what;
        }
        review.effort.push_back(std::move(effort));
      }
    }
    for (const char* list : {"weaknesses", "questions"}) {
      if (auto* v = o.if_contains(list)) {
        auto items = texts(*v, list);
        if (!items) return items.error();
        (std::string(list) == "weaknesses" ? review.weaknesses : review.questions) = std::move(*items);
      }
    }
    return review;
  }

 private:
  std::string origin_;
  SourceMap positions_;
};

}  // namespace

Result<ReviewInput> parse_review_input(const std::string& text, const std::string& origin) {
  if (auto bad = first_unprintable(text))
    return bad_input(Diagnostic{origin, bad->line, bad->column, bad->message}.format());
  SourceMap positions;
  json::value root;
  try {
    YAML::Node node = YAML::Load(text);
    std::size_t budget = kMaxNodes;
    SourcePosition failed_at;
    auto converted = yaml_to_json(node, origin, budget, &positions, &failed_at);
    if (!converted) return bad_input(Diagnostic{origin, failed_at.line, failed_at.column, converted.error().message}.format());
    root = std::move(*converted);
  } catch (const YAML::DeepRecursion& e) {
    return bad_input(Diagnostic{origin, e.mark.line + 1, e.mark.column + 1, kTooDeep}.format());
  } catch (const YAML::Exception& e) {
    return bad_input(Diagnostic{origin, e.mark.line + 1, e.mark.column + 1, "YAML syntax: " + e.msg}.format());
  }
  return ReviewReader(origin, std::move(positions)).read(root);
}

Result<ReviewInput> load_review_input(const std::string& file) {
  // A review is a page of YAML; 4 MiB is far more than any.
  auto text = read_text_file(file, 4u << 20);
  if (!text) return bad_input(text.error().message);
  return parse_review_input(*text, file);
}

}  // namespace responder
