#include "responder/targets/for_each_host.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace responder::targets {

void for_each_host(std::size_t count, int forks, const std::function<void(std::size_t)>& work) {
  if (count == 0) return;
  std::size_t threads = std::min<std::size_t>(count, static_cast<std::size_t>(std::max(forks, 1)));
  if (threads == 1) {
    for (std::size_t i = 0; i < count; ++i) work(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < count;) work(i);
    });
  for (auto& thread : pool) thread.join();
}

}  // namespace responder::targets
