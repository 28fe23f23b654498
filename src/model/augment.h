// Implements: image augmentation as in the DER paper's CIFAR protocol
//   (torchvision's RandomCrop(32, padding=4) then RandomHorizontalFlip):
//   each image is zero-padded by `padding` pixels on every side, cropped back
//   to its size at a random offset, and mirrored left-right with
//   probability 1/2. Applied to the model input (after normalisation, with
//   the padding filled by what a zero pixel normalises to, so the result is
//   the one of augmenting the stored image first).
//   Row i draws its offset and flip from Rng::derive(seed, purpose, a, id_i):
//   the caller names each row by something every rank agrees on (the global
//   step and the row's place in the global batch; a replay slot), so the
//   augmented batch does not depend on how the rows are split over ranks.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "model/input.h"

namespace mnemo::model {

class Augmenter {
 public:
  Augmenter() = default;  ///< off: apply() returns x
  /// Crop with `padding` (> 0) and flip; `norm` is the stream's, for the fill.
  Augmenter(std::int64_t padding, std::uint64_t seed, const InputNorm& norm);

  bool enabled() const { return padding_ > 0; }
  std::int64_t padding() const { return padding_; }

  /// x: float model input [n, C, H, W]; ids: n row names. A new tensor.
  torch::Tensor apply(const torch::Tensor& x, std::uint64_t purpose, std::uint64_t a,
                      const std::vector<std::int64_t>& ids) const;

  /// Purposes: stream rows (a = global step, id = row in the global batch);
  /// replay rows (a = rows seen, id = slot); logits recomputed for rows another
  /// rank processed use kStreamRows with that row's names.
  static constexpr std::uint64_t kStreamRows = 0xa06, kReplayRows = 0xa07;

 private:
  std::int64_t padding_ = 0;
  std::uint64_t seed_ = 0;
  torch::Tensor fill_;  ///< [C, 1, 1]: the model input of a zero pixel
};

}  // namespace mnemo::model
