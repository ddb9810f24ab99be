#include "notify/channels/host_lookup.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

namespace responder::notify {
namespace {

struct PendingLookup {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  HostLookup answer;
};

HostLookup getaddrinfo_lookup(const std::string& host) {
  HostLookup answer;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* list = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &list);
  if (rc != 0) {
    answer.error = "cannot look up " + host + ": " + ::gai_strerror(rc);
    answer.transient = rc == EAI_AGAIN || rc == EAI_SYSTEM || rc == EAI_MEMORY;
    return answer;
  }
  for (addrinfo* a = list; a; a = a->ai_next) {
    IpAddress address;
    if (a->ai_family == AF_INET) {
      address.family = AF_INET;
      std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, 4);
    } else if (a->ai_family == AF_INET6) {
      address.family = AF_INET6;
      std::memcpy(address.bytes.data(), &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, 16);
    } else {
      continue;
    }
    bool seen = false;
    for (auto& known : answer.addresses) seen = seen || known == address;
    if (!seen) answer.addresses.push_back(address);
  }
  ::freeaddrinfo(list);
  if (answer.addresses.empty()) answer.error = "cannot look up " + host + ": no IPv4 or IPv6 address";
  return answer;
}

}  // namespace

HostLookup lookup_host(const std::string& host, std::chrono::steady_clock::time_point deadline) {
  if (auto literal = parse_ip(host)) return HostLookup{{*literal}, "", false};
  auto pending = std::make_shared<PendingLookup>();
  try {
    std::thread([pending, host] {
      HostLookup answer = getaddrinfo_lookup(host);
      std::lock_guard lock(pending->mutex);
      pending->answer = std::move(answer);
      pending->done = true;
      pending->finished.notify_all();
    }).detach();
  } catch (const std::system_error& e) {
    return HostLookup{{}, "cannot look up " + host + ": " + e.what(), true};
  }
  std::unique_lock lock(pending->mutex);
  if (!pending->finished.wait_until(lock, deadline, [&] { return pending->done; }))
    return HostLookup{{}, "looking up " + host + " did not finish by the deadline", true};
  return pending->answer;
}

}  // namespace responder::notify
