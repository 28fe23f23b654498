// Implements: process memory figures for cost reports.
#pragma once

#include <cstdint>

namespace mnemo {

/// Peak resident set size of this process so far, in bytes (getrusage).
std::int64_t peak_rss_bytes();

}  // namespace mnemo
