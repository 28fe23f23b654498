// Implements: Progressive Neural Networks (Rusu et al. 2016) over MLP
//   columns (`--model pnn`, task-incremental).
//
//   Formula. Column k belongs to task k. Its layers have the widths of the
//   MLP (in -> --hidden ... -> classes); layer l of column k computes
//     z_l^k = W_l^k a_{l-1}^k + b_l^k + sum_{j<k} U_l^{k,j} a_{l-1}^j,
//     a_l^k = relu(z_l^k) for hidden layers, logits = z_L^k,
//   with a_0^j = x for every column (layer 0 has no laterals: all columns
//   read the same input). The laterals U are linear maps without bias (the
//   "linear adapter" of Avalanche's PNN; Rusu's adapters add a learned
//   scale and a projection). A sample of task t is predicted by column t,
//   which reads columns 0..t-1; before column t exists (the baseline, and
//   the entries above the diagonal that forward transfer reads) the newest
//   column answers.
//
//   Growth and freezing. Column 0 exists from the start; grow_to_task(t)
//   adds columns up to t, each initialised from the model's seed and its
//   index (so every rank and world size builds the same numbers), and
//   freezes columns 0..t-1 (requires_grad false): only column t, its
//   biases and its laterals train. Frozen parameters are not in the
//   trainer's flat buffer, so they are never all-reduced nor updated, and
//   every earlier task's predictions stay exactly as they were: task-IL
//   backward transfer is exactly 0.
//
//   Parameters. With widths w_0 (input) .. w_L (classes), a column has
//     P = sum_{l=1..L} (w_{l-1} w_l + w_l)   (the MLP's),
//   plus k * Q laterals for column k, Q = sum_{l=2..L} w_{l-1} w_l; so after
//   K tasks the network holds K P + Q K (K - 1) / 2 parameters, and task k
//   trains P + k Q of them.
#pragma once

#include "model/model.h"

namespace mnemo::model {

/// One column: its own layers "layerL" and its laterals "lateralL_J" (from column J).
class PnnColumnImpl : public torch::nn::Module {
 public:
  PnnColumnImpl(const std::vector<std::int64_t>& widths, std::int64_t index);
  std::vector<torch::nn::Linear> layers;                 ///< layer l: widths[l] -> widths[l + 1]
  std::vector<std::vector<torch::nn::Linear>> laterals;  ///< [l][j]: column j's a_l -> this column's z_{l+1}
};
TORCH_MODULE(PnnColumn);

class ProgressiveImpl : public ModelImpl {
 public:
  /// `widths`: input, hidden..., classes. `seed`: the seed new columns are drawn from.
  ProgressiveImpl(std::vector<std::int64_t> widths, WeightInit init, std::uint64_t seed);
  torch::Tensor forward(torch::Tensor x) override;
  bool grow_to_task(std::int64_t task) override;
  void use_task(std::int64_t task) override { task_ = task; }
  std::int64_t task_in_use() const override { return task_; }
  bool needs_task_identity() const override { return true; }

  std::int64_t num_columns() const { return static_cast<std::int64_t>(columns_.size()); }
  const std::vector<std::int64_t>& widths() const { return widths_; }
  /// P and Q of the header's formula.
  std::int64_t column_parameters() const;
  std::int64_t lateral_parameters() const;

 private:
  void add_column();

  std::vector<std::int64_t> widths_;
  WeightInit init_;
  std::uint64_t seed_;
  std::vector<PnnColumn> columns_;
  std::int64_t task_ = 0;
};

/// Factory for the registry ("pnn"): widths from options.input_shape,
/// --hidden and the classes; the seed from the global RNG (seeded by --seed).
Model make_progressive(const ModelOptions& options);

}  // namespace mnemo::model
