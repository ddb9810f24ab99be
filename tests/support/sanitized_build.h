// Whether this test binary runs under AddressSanitizer (the ASan+UBSan build
// of tests/run-all). Tests that repeat a whole run at every journal record
// cover every kill point in the Release build and a spread sample of them
// under the sanitizers, where each run costs several times as much: the
// sanitizers look for memory and undefined-behaviour errors on those paths,
// which a sample reaches, and CI's time is bounded.
#pragma once

namespace responder::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

}  // namespace responder::testing
