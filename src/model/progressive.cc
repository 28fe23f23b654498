// Implements: ProgressiveImpl (see progressive.h).
#include "model/progressive.h"

#include "core/error.h"
#include "model/mlp.h"
#include "model/seeded.h"

namespace mnemo::model {

PnnColumnImpl::PnnColumnImpl(const std::vector<std::int64_t>& widths, std::int64_t index) {
  const std::size_t depth = widths.size() - 1;
  laterals.resize(depth);
  for (std::size_t l = 0; l < depth; ++l) {
    layers.push_back(register_module("layer" + std::to_string(l), torch::nn::Linear(widths[l], widths[l + 1])));
    if (l == 0) continue;  // every column reads the same input
    for (std::int64_t j = 0; j < index; ++j) {
      laterals[l].push_back(register_module("lateral" + std::to_string(l) + "_" + std::to_string(j),
                                            torch::nn::Linear(torch::nn::LinearOptions(widths[l], widths[l + 1]).bias(false))));
    }
  }
}

ProgressiveImpl::ProgressiveImpl(std::vector<std::int64_t> widths, WeightInit init, std::uint64_t seed)
    : ModelImpl("Progressive"), widths_(std::move(widths)), init_(init), seed_(seed) {
  MNEMO_ASSERT(widths_.size() >= 2, "a column needs an input and an output width");
  add_column();
}

void ProgressiveImpl::add_column() {
  const auto k = static_cast<std::int64_t>(columns_.size());
  PnnColumn column{nullptr};
  with_seed(seed_ + static_cast<std::uint64_t>(k), [&] {
    column = PnnColumn(widths_, k);
    init_linear_layers(*column, init_);
  });
  if (k > 0) column->to(columns_[0]->layers[0]->weight.device());
  columns_.push_back(register_module("column" + std::to_string(k), column));
}

bool ProgressiveImpl::grow_to_task(std::int64_t task) {
  bool changed = false;
  while (num_columns() <= task) {
    add_column();
    changed = true;
  }
  for (std::int64_t k = 0; k + 1 < num_columns(); ++k) {
    for (auto& p : columns_[k]->parameters()) {
      if (!p.requires_grad()) continue;
      p.set_requires_grad(false);
      changed = true;
    }
  }
  return changed;
}

torch::Tensor ProgressiveImpl::forward(torch::Tensor x) {
  x = x.flatten(/*start_dim=*/1);
  const std::int64_t answer = std::clamp<std::int64_t>(task_, 0, num_columns() - 1);
  const std::size_t depth = widths_.size() - 1;
  std::vector<torch::Tensor> prev(static_cast<std::size_t>(answer) + 1, x), next(prev.size());
  for (std::size_t l = 0; l < depth; ++l) {
    const bool last = l + 1 == depth;
    // Earlier columns' logits are never read: the last layer runs the answering column only.
    for (std::size_t k = last ? prev.size() - 1 : 0; k < prev.size(); ++k) {
      PnnColumnImpl& column = *columns_[k];
      torch::Tensor z = column.layers[l]->forward(prev[k]);
      if (l > 0) {
        for (std::size_t j = 0; j < k; ++j) z = z + column.laterals[l][j]->forward(prev[j]);
      }
      next[k] = last ? z : torch::relu(z);
    }
    std::swap(prev, next);
  }
  return prev.back();
}

std::int64_t ProgressiveImpl::column_parameters() const {
  std::int64_t p = 0;
  for (std::size_t l = 1; l < widths_.size(); ++l) p += widths_[l - 1] * widths_[l] + widths_[l];
  return p;
}

std::int64_t ProgressiveImpl::lateral_parameters() const {
  std::int64_t q = 0;
  for (std::size_t l = 2; l < widths_.size(); ++l) q += widths_[l - 1] * widths_[l];
  return q;
}

Model make_progressive(const ModelOptions& o) {
  std::vector<std::int64_t> widths = mlp_widths(o);
  const auto seed = static_cast<std::uint64_t>(torch::randint(1LL << 40, {1}, torch::kInt64).item<std::int64_t>());
  return std::make_shared<ProgressiveImpl>(std::move(widths), o.weight_init, seed);
}

}  // namespace mnemo::model
