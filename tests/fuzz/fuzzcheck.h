// What a fuzz target asserts beyond "no crash, no sanitizer report": a broken property aborts with
// the condition, which libFuzzer reports as a crash and the corpus replay as a failed test.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace inv::fuzz {

[[noreturn]] inline void fail(const char *condition, const char *file, int line)
{
    std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, condition);
    std::abort();
}

} // namespace inv::fuzz

#define FUZZ_CHECK(condition) ((condition) ? (void)0 : inv::fuzz::fail(#condition, __FILE__, __LINE__))
