// The order a release reaches its hosts (release_waves.h), without hosts:
// hosts needing nothing first, the canary per group by last_seen, then
// waves of counts or percentages with the last size repeating.
#include <doctest/doctest.h>

#include "release/release_waves.h"

namespace responder::release {
namespace {

struct Hosts {
  std::vector<json::object> vars, details;
  std::vector<PlannedHost> list;
  void add(const std::string& name, json::object v, std::string os = "debian 12", bool changes = true) {
    names.push_back(name);
    vars.push_back(std::move(v));
    details.push_back(json::object{{"os", os}});
    flags.push_back(changes);
  }
  const std::vector<PlannedHost>& planned() {
    list.clear();
    for (std::size_t i = 0; i < names.size(); ++i) list.push_back({names[i], &vars[i], &details[i], flags[i]});
    return list;
  }
  std::vector<std::string> names;
  std::vector<bool> flags;
};

std::vector<std::string> names_of(const HostBatch& batch, const std::vector<PlannedHost>& hosts) {
  std::vector<std::string> out;
  for (auto i : batch.hosts) out.push_back(hosts[i].name);
  return out;
}

TEST_CASE("release waves: one canary per OS group, the most recently seen, then waves with the last size repeating") {
  Hosts h;
  h.add("a", {{"last_seen", "2026-12-01T10:00:00Z"}});
  h.add("b", {{"last_seen", 1796000000}});  // 2026-11-30: older than a
  h.add("c", {}, "debian 11");
  h.add("d", {{"last_seen", "2026-12-02T10:00:00Z"}});
  h.add("e", {}, "debian 12", false);
  h.add("f", {});
  h.add("g", {});
  auto& planned = h.planned();
  json::value waves = json::array{1, "50%"};
  auto batches = release_waves(nullptr, &waves, planned);
  REQUIRE(batches);
  REQUIRE(batches->size() == 5);
  CHECK(names_of((*batches)[0], planned) == std::vector<std::string>{"e"});
  CHECK_FALSE((*batches)[0].strict);
  CHECK((*batches)[1].label == "canary");
  CHECK((*batches)[1].strict);
  CHECK(names_of((*batches)[1], planned) == std::vector<std::string>{"c", "d"});
  // 4 left (a, b, f, g): 1, then 50% of 4 = 2, then 2 again for the rest.
  CHECK(names_of((*batches)[2], planned) == std::vector<std::string>{"a"});
  CHECK(names_of((*batches)[3], planned) == std::vector<std::string>{"b", "f"});
  CHECK(names_of((*batches)[4], planned) == std::vector<std::string>{"g"});
}

TEST_CASE("release waves: release_group decides the groups, a named canary list, and no canary") {
  Hosts h;
  h.add("a", {{"release_group", "web"}});
  h.add("b", {{"release_group", "db"}});
  h.add("c", {{"release_group", "web"}});
  auto& planned = h.planned();
  auto grouped = release_waves(nullptr, nullptr, planned);
  REQUIRE(grouped);
  CHECK(names_of((*grouped)[0], planned) == std::vector<std::string>{"a", "b"});
  CHECK(names_of((*grouped)[1], planned) == std::vector<std::string>{"c"});
  json::value named = json::array{"c"};
  auto listed = release_waves(&named, nullptr, planned);
  REQUIRE(listed);
  CHECK(names_of((*listed)[0], planned) == std::vector<std::string>{"c"});
  json::value none = 0;
  auto without = release_waves(&none, nullptr, planned);
  REQUIRE(without);
  REQUIRE(without->size() == 1);
  CHECK((*without)[0].label == "wave 1");
  CHECK(without->front().hosts.size() == 3);
}

TEST_CASE("release waves: malformed canary or waves are bad input, even when no wave is needed") {
  Hosts h;
  h.add("a", {});
  auto& planned = h.planned();
  for (json::value waves : {json::value(json::array{"0%"}), json::value(json::array{0}), json::value(json::array{"many"}),
                            json::value(json::array{}), json::value("100%")}) {
    auto r = release_waves(nullptr, &waves, planned);
    CHECK_FALSE(r);
    if (!r) CHECK(r.error().kind == ErrorKind::bad_input);
  }
  json::value canary = -1;
  CHECK_FALSE(release_waves(&canary, nullptr, planned));
  json::value text = "two";
  CHECK_FALSE(release_waves(&text, nullptr, planned));
}

}  // namespace
}  // namespace responder::release
