// Implements: the domain-incremental transforms, applied at prepare time:
//   a fixed pixel permutation (Permuted MNIST) and a rotation about the
//   image centre with bilinear interpolation and zero fill (Rotated MNIST).
//   Both act on every channel alike.
#pragma once

#include <cstdint>
#include <vector>

#include "data/prepare/dataset.h"

namespace mnemo::data {

/// The positions a permutation shuffles: H*W of a [C, H, W] sample (each
/// channel alike), every element of any other shape.
std::int64_t permuted_positions(const LabeledImages& in);

/// out[c][p] = in[c][perm[p]] for every sample; perm is a permutation of
/// permuted_positions(in).
LabeledImages permute_pixels(const LabeledImages& in, const std::vector<std::int64_t>& perm);

/// Each image rotated counter-clockwise by `degrees`.
LabeledImages rotate(const LabeledImages& in, double degrees);

}  // namespace mnemo::data
