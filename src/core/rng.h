// Implements: a small, portable, seedable RNG. std::shuffle and the std
//   distributions are implementation-defined, so class orders, shuffles and
//   replay sampling use these instead and are identical on every platform.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace mnemo {

/// SplitMix64 (Steele et al.): 64-bit state, full period, good mixing.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  /// Derives an independent stream from (seed, a, b, c), e.g. (seed, epoch, rank).
  static Rng derive(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0, std::uint64_t c = 0) {
    Rng r(seed ^ 0x6a09e667f3bcc909ULL);
    r.state_ ^= r.next() + a * 0x9e3779b97f4a7c15ULL;
    r.state_ ^= r.next() + b * 0xbf58476d1ce4e5b9ULL;
    r.state_ ^= r.next() + c * 0x94d049bb133111ebULL;
    return r;
  }

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform integer in [0, n), unbiased (Lemire's rejection method). n > 0.
  std::uint64_t below(std::uint64_t n) {
    __uint128_t m = static_cast<__uint128_t>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = -n % n;
      while (low < threshold) {
        m = static_cast<__uint128_t>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// The generator's whole state (to checkpoint it) and its restoration.
  std::uint64_t state() const { return state_; }
  void set_state(std::uint64_t state) { state_ = state; }

  /// Uniform double in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

  /// Standard normal (Box-Muller).
  double normal();

  template <class T> void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

 private:
  std::uint64_t state_;
};

}  // namespace mnemo
