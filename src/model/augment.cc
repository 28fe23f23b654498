// Implements: Augmenter (see augment.h).
#include "model/augment.h"

#include "core/error.h"
#include "core/rng.h"

namespace mnemo::model {

Augmenter::Augmenter(std::int64_t padding, std::uint64_t seed, const InputNorm& norm) : padding_(padding), seed_(seed) {
  MNEMO_ASSERT(padding > 0, "an enabled Augmenter needs padding > 0");
  if (norm.defined()) fill_ = norm.mean.neg().div(norm.std);  // (0 - mean) / std
}

torch::Tensor Augmenter::apply(const torch::Tensor& x, std::uint64_t purpose, std::uint64_t a,
                               const std::vector<std::int64_t>& ids) const {
  if (!enabled() || x.size(0) == 0) return x;
  MNEMO_ASSERT(x.dim() == 4, "crop-flip augments [n, C, H, W] images");
  MNEMO_ASSERT(static_cast<std::int64_t>(ids.size()) == x.size(0), "one id per row");
  const std::int64_t h = x.size(2), w = x.size(3), p = padding_;
  torch::NoGradGuard no_grad;
  // Shifted so that the fill value is zero, padded with zeros, shifted back.
  const torch::Tensor fill = fill_.defined() ? fill_.to(x.device()) : torch::Tensor();
  torch::Tensor padded = fill.defined() ? x.sub(fill) : x;
  padded = torch::constant_pad_nd(padded, {p, p, p, p}, 0.0);
  if (fill.defined()) padded.add_(fill);
  torch::Tensor out = torch::empty_like(x);
  for (std::int64_t i = 0; i < x.size(0); ++i) {
    Rng rng = Rng::derive(seed_, purpose, a, static_cast<std::uint64_t>(ids[static_cast<std::size_t>(i)]));
    const auto dy = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * p + 1)));
    const auto dx = static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(2 * p + 1)));
    const bool flip = rng.below(2) == 1;
    torch::Tensor crop = padded[i].narrow(1, dy, h).narrow(2, dx, w);
    out[i].copy_(flip ? crop.flip({2}) : crop);
  }
  return out;
}

}  // namespace mnemo::model
