// Implements: with_seed, for the parts a network adds while it trains
//   (progressive columns, growing heads): their numbers come from a seed
//   alone, never from the global RNG's state at that moment, so every rank,
//   every world size and a resumed run build the same parts.
#pragma once

#include <cstdint>
#include <functional>

namespace mnemo::model {

/// Runs `build` with LibTorch's global CPU generator seeded by `seed`, then
/// restores the generator's state.
void with_seed(std::uint64_t seed, const std::function<void()>& build);

}  // namespace mnemo::model
