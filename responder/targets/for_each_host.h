// Working on many hosts at once, `forks` at a time.
#pragma once

#include <cstddef>
#include <functional>

namespace responder::targets {

// Calls `work(i)` for every i < count on at most `forks` threads; returns
// when every call has returned. One thread: in order, on the caller's.
void for_each_host(std::size_t count, int forks, const std::function<void(std::size_t)>& work);

}  // namespace responder::targets
