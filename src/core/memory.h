// Implements: process memory figures for cost reports.
#pragma once

#include <cstdint>

namespace mnemo {

/// Peak resident set size of this process so far, in bytes (getrusage).
std::int64_t peak_rss_bytes();

/// The machine's physical memory, in bytes (sysconf).
std::int64_t physical_memory_bytes();

}  // namespace mnemo
