// Implements: the domain-incremental transforms, applied at prepare time:
//   a fixed pixel permutation (Permuted MNIST) and a rotation about the
//   image centre with bilinear interpolation and zero fill (Rotated MNIST).
//   Both act on every channel alike.
#pragma once

#include <cstdint>
#include <vector>

#include "data/prepare/dataset.h"

namespace mnemo::data {

/// out[c][p] = in[c][perm[p]] for every image; perm is a permutation of H*W.
LabeledImages permute_pixels(const LabeledImages& in, const std::vector<std::int64_t>& perm);

/// Each image rotated counter-clockwise by `degrees`.
LabeledImages rotate(const LabeledImages& in, double degrees);

}  // namespace mnemo::data
