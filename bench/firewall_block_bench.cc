// firewall.block against what a user would otherwise run, in one run, inside
// network namespaces this program makes and removes (needs root):
//
//   build/bench/firewall_block_bench [--max 1000000] [--no-throughput] [--runs 5] [--whole-run-only]
//
// For 1,000 / 10,000 / 100,000 / 1,000,000 addresses: responder's apply
// (libnftables in process, one JSON transaction) against `nft -f` of the same
// hash set, `ipset restore` plus one iptables rule, and one `iptables -I` per
// address the way fail2ban's default iptables action does it (up to 10,000).
// Then one more address into a table already blocking 100,000, against one
// `nft add element` into a 100,000-entry hash set and interval set. Then TCP
// throughput between two namespaces with 0 and 100,000 blocked addresses.
// First of all, the whole command a responder types: `responder run` of a
// playbook whose one step blocks 100,000 addresses from a file (process
// start, playbook, journal fsyncs, plan, apply, verify), against `nft -f` of
// the same set, alternately, medians of --runs each.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "responder/module.h"
#include "responder/schema.h"
#include "tests/containment/netns_lab.h"

using namespace responder;
using Clock = std::chrono::steady_clock;

namespace {

std::string address(int i) {
  return "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) + "." + std::to_string(i & 255);
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Runs argv (inheriting this thread's namespace); aborts the bench on failure.
void must(const std::vector<std::string>& argv) {
  auto r = lab::run(argv);
  if (r.status != 0) {
    std::cerr << "failed: " << argv[0] << " " << (argv.size() > 1 ? argv[1] : "") << ": " << r.out << "\n";
    std::exit(1);
  }
}

void clean() {
  lab::run({"nft", "flush", "ruleset"});
  lab::run({"ipset", "destroy"});
}

struct Step {
  const Module* module = ModuleRegistry::instance().find("firewall.block");
  SafetyRules safety;
  StepContext context;
  explicit Step(std::string id) {
    context.incident_id = "bench";
    context.step_id = std::move(id);
    context.safety = &safety;
  }
  double apply(const json::object& with, std::optional<Receipt>* receipt = nullptr) {
    auto params = module->schema().resolve(with);
    if (!params) { std::cerr << params.error().message << "\n"; std::exit(1); }
    auto t = Clock::now();
    auto r = module->apply(*params, context);
    double s = seconds_since(t);
    if (!r) { std::cerr << "apply: " << r.error().message << "\n"; std::exit(1); }
    if (receipt) *receipt = *r;
    return s;
  }
};

double time_responder(const std::string& file) {
  Step step("bench");
  return step.apply(json::object{{"addresses_file", file}});
}

// The whole `responder run` of a one-step playbook blocking the addresses in
// `list`, in this thread's namespace; undone (untimed) afterwards.
double time_responder_run(const std::string& dir, const std::string& list, int k) {
  std::string playbook = dir + "/block.yaml";
  {
    std::ofstream out(playbook);
    out << "name: bench-block\nstages:\n  isolate-and-contain:\n    - id: block\n      module: firewall.block\n"
        << "      with: {addresses_file: " << list << "}\n";
  }
  std::string home = dir + "/incidents";
  std::string incident = "BENCH-" + std::to_string(k);
  auto t = Clock::now();
  must({RESPONDER_BINARY, "--home", home, "run", playbook, "--incident", incident});
  double s = seconds_since(t);
  must({RESPONDER_BINARY, "--home", home, "undo", incident});
  return s;
}

double time_nft_file(const std::string& path, int n, bool interval) {
  {
    std::ofstream out(path);
    out << "table inet bench {\n set s { type ipv4_addr; flags " << (interval ? "interval," : "") << "timeout; elements = {\n";
    for (int i = 0; i < n; ++i) out << address(i) << (i + 1 < n ? ",\n" : "\n");
    out << "} }\n chain c { type filter hook input priority -10; ip saddr @s drop; }\n}\n";
  }
  auto t = Clock::now();
  must({"nft", "-f", path});
  return seconds_since(t);
}

double time_ipset(const std::string& path, int n) {
  {
    std::ofstream out(path);
    out << "create bench hash:ip maxelem " << std::max(n * 2, 65536) << "\n";
    for (int i = 0; i < n; ++i) out << "add bench " << address(i) << "\n";
  }
  auto t = Clock::now();
  must({"ipset", "restore", "-file", path});
  must({"iptables", "-I", "INPUT", "-m", "set", "--match-set", "bench", "src", "-j", "DROP"});
  return seconds_since(t);
}

// One process and one rule per address, like fail2ban's iptables action;
// gives up past `budget` seconds and reports how far it got.
std::pair<double, int> time_iptables_rules(int n, double budget) {
  auto t = Clock::now();
  for (int i = 0; i < n; ++i) {
    must({"iptables", "-I", "INPUT", "-s", address(i), "-j", "DROP"});
    if (seconds_since(t) > budget) return {seconds_since(t), i + 1};
  }
  return {seconds_since(t), n};
}

std::string cell(double s) {
  char b[32];
  if (s < 0) return "-";
  std::snprintf(b, sizeof b, s < 1 ? "%.0f ms" : "%.2f s", s < 1 ? s * 1000 : s);
  return b;
}

// Bytes per second a TCP stream carries from the attacker to the victim in
// `seconds`, the victim's input chain holding whatever is blocked right now.
double throughput(const lab::NetnsLab& lab, double seconds) {
  int port = 9400;
  int server;
  {
    lab::ScopedNetns in(lab.victim);
    server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  }
  int one = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, lab::NetnsLab::kVictimToAttacker4, &a.sin_addr);
  if (bind(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(server, 1) != 0) return -1;
  std::atomic<long long> received{0};
  std::thread reader([&] {
    int c = accept(server, nullptr, nullptr);
    static char buf[1 << 16];
    ssize_t n;
    while ((n = read(c, buf, sizeof buf)) > 0) received += n;
    close(c);
  });
  int client;
  {
    lab::ScopedNetns in(lab.attacker);
    client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  }
  if (connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  static char chunk[1 << 16];
  auto t = Clock::now();
  long long start_bytes = -1;
  Clock::time_point start;
  while (seconds_since(t) < seconds + 0.3) {
    if (write(client, chunk, sizeof chunk) < 0) break;
    if (start_bytes < 0 && seconds_since(t) > 0.3) { start_bytes = received; start = Clock::now(); }
  }
  double rate = (received - start_bytes) / seconds_since(start);
  close(client);
  reader.join();
  close(server);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  int max = 1000000;
  int runs = 5;
  bool with_throughput = true;
  bool whole_run_only = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--max") && i + 1 < argc) max = std::atoi(argv[++i]);
    if (!std::strcmp(argv[i], "--runs") && i + 1 < argc) runs = std::max(1, std::atoi(argv[++i]));
    if (!std::strcmp(argv[i], "--no-throughput")) with_throughput = false;
    if (!std::strcmp(argv[i], "--whole-run-only")) whole_run_only = true;
  }
  auto median = [](std::vector<double> v) { std::sort(v.begin(), v.end()); return v[v.size() / 2]; };
  if (auto why = lab::lab_unavailable(); !why.empty()) {
    std::cerr << "cannot run: " << why << "\n";
    return 77;
  }
  lab::NetnsLab lab;
  std::string dir = "/tmp/responder-bench-" + std::to_string(getpid());
  must({"mkdir", "-p", dir});
  lab::ScopedNetns in(lab.victim);  // everything below changes only the victim namespace

  {
    std::string list = dir + "/whole-run.txt";
    {
      std::ofstream out(list);
      for (int i = 0; i < 100000; ++i) out << address(i) << "\n";
    }
    std::vector<double> whole, nft;
    for (int k = 0; k < runs; ++k) {
      clean();
      whole.push_back(time_responder_run(dir, list, k));
      clean();
      nft.push_back(time_nft_file(dir + "/whole-run.nft", 100000, false));
    }
    clean();
    std::printf("the whole command, 100,000 addresses from a file, fresh namespace (median of %d):\n", runs);
    std::printf("  responder run (one firewall.block step)  %s   (fastest %s, slowest %s)\n", cell(median(whole)).c_str(),
                cell(*std::min_element(whole.begin(), whole.end())).c_str(),
                cell(*std::max_element(whole.begin(), whole.end())).c_str());
    std::printf("  nft -f of the same set and one rule       %s   (fastest %s, slowest %s)\n", cell(median(nft)).c_str(),
                cell(*std::min_element(nft.begin(), nft.end())).c_str(),
                cell(*std::max_element(nft.begin(), nft.end())).c_str());
    std::printf("  ratio                                    %.2fx\n\n", median(whole) / median(nft));
    std::fflush(stdout);
  }
  if (whole_run_only) {
    lab::run({"rm", "-rf", dir});
    return 0;
  }

  std::printf("firewall.block vs the alternatives, inside a fresh network namespace (times per whole load)\n\n");
  std::printf("%10s | %12s | %12s | %8s | %14s | %20s\n", "addresses", "responder", "nft -f", "ratio", "ipset+iptables",
              "iptables per address");
  std::printf("-----------+--------------+--------------+----------+----------------+---------------------\n");
  for (int n : {1000, 10000, 100000, 1000000}) {
    if (n > max) break;
    std::string file = dir + "/list.txt";
    {
      std::ofstream out(file);
      for (int i = 0; i < n; ++i) out << address(i) << "\n";
    }
    clean();
    double ours = time_responder(file);
    clean();
    double nft = time_nft_file(dir + "/set.nft", n, false);
    clean();
    double ipset = time_ipset(dir + "/ipset.txt", n);
    clean();
    lab::run({"iptables", "-F", "INPUT"});
    std::string per_rule = "-";
    if (n <= 10000) {
      auto [s, done] = time_iptables_rules(n, 120);
      per_rule = done == n ? cell(s) : ">" + cell(s) + " (" + std::to_string(done) + " rules)";
      lab::run({"iptables", "-F", "INPUT"});
    }
    std::printf("%10d | %12s | %12s | %7.2fx | %14s | %20s\n", n, cell(ours).c_str(), cell(nft).c_str(), ours / nft,
                cell(ipset).c_str(), per_rule.c_str());
    std::fflush(stdout);
  }
  clean();

  // One more address into a table that already blocks 100,000.
  std::string file = dir + "/list.txt";
  {
    std::ofstream out(file);
    for (int i = 0; i < 100000; ++i) out << address(i) << "\n";
  }
  time_responder(file);
  time_nft_file(dir + "/hash.nft", 100000, false);
  std::vector<double> ours, nft_hash, nft_interval;
  for (int k = 0; k < 5; ++k) {
    Step step("one-more-" + std::to_string(k));
    std::optional<Receipt> receipt;
    ours.push_back(step.apply(json::object{{"addresses", json::array{"11.0.0." + std::to_string(k + 1)}}}, &receipt));
    auto t = Clock::now();
    must({"nft", "add", "element", "inet", "bench", "s", "{ 11.0.1." + std::to_string(k + 1) + " }"});
    nft_hash.push_back(seconds_since(t));
  }
  lab::run({"nft", "delete", "table", "inet", "bench"});
  time_nft_file(dir + "/interval.nft", 100000, true);
  for (int k = 0; k < 3; ++k) {
    auto t = Clock::now();
    must({"nft", "add", "element", "inet", "bench", "s", "{ 11.0.2." + std::to_string(k + 1) + " }"});
    nft_interval.push_back(seconds_since(t));
  }
  std::printf("\none more address into a table already blocking 100,000 (median):\n");
  std::printf("  responder firewall.block (in process)        %s\n", cell(median(ours)).c_str());
  std::printf("  nft add element, 100k hash set (process)     %s   ratio %.2fx\n", cell(median(nft_hash)).c_str(),
              median(ours) / median(nft_hash));
  std::printf("  nft add element, 100k interval set (process) %s\n", cell(median(nft_interval)).c_str());
  clean();

  if (with_throughput) {
    double empty = throughput(lab, 2.0);
    time_responder(file);
    double full = throughput(lab, 2.0);
    std::printf("\nTCP throughput attacker->victim (an unblocked address; each packet looked up in the sets):\n");
    std::printf("  0 blocked addresses        %.2f Gbit/s\n", empty * 8 / 1e9);
    std::printf("  100,000 blocked addresses  %.2f Gbit/s   (ratio %.2f)\n", full * 8 / 1e9, full / empty);
  }
  clean();
  lab::run({"rm", "-rf", dir});
  return 0;
}
