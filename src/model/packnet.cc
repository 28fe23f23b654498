// Implements: PackNetImpl (see packnet.h).
#include "model/packnet.h"

#include <cmath>
#include <sstream>

#include "core/error.h"
#include "model/mlp.h"

namespace mnemo::model {

PackNetImpl::PackNetImpl(const std::vector<std::int64_t>& widths, double prune, double retrain,
                         std::vector<std::vector<std::int64_t>> task_classes)
    : ModelImpl("PackNet"), prune_(prune), retrain_(retrain), task_classes_(std::move(task_classes)) {
  MNEMO_ASSERT(widths.size() >= 2, "a network needs an input and an output width");
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const std::string n = std::to_string(l);
    layers_.push_back(register_module("layer" + n, torch::nn::Linear(widths[l], widths[l + 1])));
    owners_.push_back(register_buffer("owners" + n, torch::full({widths[l + 1], widths[l]}, -1, torch::kInt64)));
  }
  pruned_task_ = register_buffer("pruned_task", torch::full({1}, -1, torch::kInt64));
  first_task_ = register_buffer("head_first_task", first_tasks());
  refresh();
}

torch::Tensor PackNetImpl::head_rows(std::int64_t task) const {
  const auto classes = layers_.back()->weight.size(0);
  if (task < 0 || task >= static_cast<std::int64_t>(task_classes_.size())) return torch::ones({classes, 1});
  torch::Tensor rows = torch::zeros({classes, 1});
  for (auto c : task_classes_[static_cast<std::size_t>(task)]) {
    if (c >= 0 && c < classes) rows[c][0] = 1.0;
  }
  return rows;
}

bool PackNetImpl::refresh() {
  torch::NoGradGuard no_grad;
  trains_.clear();
  fixed_.clear();
  idle_.clear();
  kept_ = pruned_task_.item<std::int64_t>() == training_;
  const bool kept = kept_;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const torch::Tensor& o = owners_[l];
    const torch::Tensor w = layers_[l]->weight;
    torch::Tensor trains = (kept ? o.eq(training_) : o.eq(-1)).to(w.dtype());
    if (l + 1 == layers_.size()) trains = trains * head_rows(training_).to(w.device(), w.dtype());
    // Free weights this task may not use (other tasks' output rows, and its own pruned ones, which are 0)
    // keep their values for the tasks to come.
    idle_.push_back(w * o.eq(-1).logical_and(trains.eq(0)).to(w.dtype()));
    trains_.push_back(trains);
    fixed_.push_back(w * (o.ge(0) & o.lt(training_)).to(w.dtype()));
  }
  bool changed = false;
  for (std::size_t l = 0; l + 1 < layers_.size(); ++l) {  // hidden biases: task 0's
    changed |= layers_[l]->bias.requires_grad() != (training_ == 0);
    layers_[l]->bias.set_requires_grad(training_ == 0);
  }
  // Output biases: each row's first task trains it (its class's own offset), then it is fixed.
  const torch::Tensor& b = layers_.back()->bias;
  bias_trains_ = first_task_.eq(training_).to(b.dtype());
  bias_fixed_ = b.detach() * first_task_.lt(training_).to(b.dtype());
  bias_idle_ = b.detach() * first_task_.gt(training_).to(b.dtype());  // later tasks' rows: kept for them
  return changed;
}

torch::Tensor PackNetImpl::first_tasks() const {
  const auto classes = layers_.back()->weight.size(0);
  torch::Tensor first = torch::zeros({classes}, torch::kInt64);  // unknown tasks: every row is task 0's
  if (task_classes_.empty()) return first;
  first.fill_(-1);
  for (std::size_t t = task_classes_.size(); t-- > 0;) {
    for (auto c : task_classes_[t]) {
      if (c >= 0 && c < classes) first[c] = static_cast<std::int64_t>(t);
    }
  }
  return first;
}

bool PackNetImpl::grow_to_task(std::int64_t task) {
  training_ = task;
  return refresh();  // the weights' tensors keep training (their masks are within them); biases stop after task 0
}

torch::Tensor PackNetImpl::forward(torch::Tensor x) {
  x = x.flatten(/*start_dim=*/1);
  if (trains_[0].device() != layers_[0]->weight.device()) refresh();  // moved to another device
  const bool past = answer_ < training_;  // an earlier task: its weights only, no training
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const torch::Tensor& w = layers_[l]->weight;
    torch::Tensor weight;
    if (past) {
      weight = w * (owners_[l].ge(0) & owners_[l].le(answer_)).to(w.dtype());
    } else {  // the training task (and later ones): its free or kept weights train, earlier ones are fixed
      weight = w * trains_[l] + fixed_[l];
    }
    const bool head = l + 1 == layers_.size();
    const torch::Tensor& b = layers_[l]->bias;
    torch::Tensor bias = b;
    if (head) bias = past ? b * first_task_.le(answer_).to(b.dtype()) : b * bias_trains_ + bias_fixed_;
    x = torch::linear(x, weight, bias);
    if (!head) x = torch::relu(x);
  }
  return x;
}

std::int64_t PackNetImpl::prune_step(std::int64_t total) const {
  const auto retrain = static_cast<std::int64_t>(std::llround(static_cast<double>(total) * retrain_));
  return std::clamp<std::int64_t>(total - retrain, 1, std::max<std::int64_t>(total, 1));
}

void PackNetImpl::after_optimizer_step(std::int64_t task, std::int64_t done, std::int64_t total) {
  torch::NoGradGuard no_grad;
  for (std::size_t l = 0; l < layers_.size(); ++l) {  // momentum and weight decay moved the fixed ones too
    torch::Tensor w = layers_[l]->weight;
    w.mul_(trains_[l]).add_(fixed_[l]).add_(idle_[l]);
  }
  layers_.back()->bias.mul_(bias_trains_).add_(bias_fixed_).add_(bias_idle_);
  if (task == training_ && !kept_ && done >= prune_step(total)) prune();
}

void PackNetImpl::prune() {
  torch::NoGradGuard no_grad;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    torch::Tensor w = layers_[l]->weight.view(-1);
    torch::Tensor o = owners_[l].view(-1);
    const torch::Tensor free = trains_[l].view(-1).nonzero().view(-1);  // the free weights this task trained
    const auto n = free.numel();
    const auto k = static_cast<std::int64_t>(std::floor(prune_ * static_cast<double>(n)));
    // Smallest |w| first; a stable sort breaks ties by index, the same on every rank.
    const torch::Tensor order = std::get<1>(w.index_select(0, free).abs().to(torch::kCPU).sort(
        /*stable=*/true, /*dim=*/0, /*descending=*/false));
    const torch::Tensor ranked = free.to(torch::kCPU).index_select(0, order).to(o.device());
    w.index_fill_(0, ranked.narrow(0, 0, k), 0.0);
    o.index_fill_(0, ranked.narrow(0, k, n - k), training_);
  }
  pruned_task_.fill_(training_);
  refresh();
}

std::int64_t PackNetImpl::trained_elements() const {
  std::int64_t n = 0;
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    n += trains_[l].sum().item<std::int64_t>();
    if (training_ == 0 && l + 1 < layers_.size()) n += layers_[l]->bias.numel();
  }
  return n + bias_trains_.sum().item<std::int64_t>();
}

std::string PackNetImpl::capacity_problem(std::int64_t tasks) const {
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const bool head = l + 1 == layers_.size();
    // Free weights per output row. A task's n free weights (in its rows)
    // lose the n - floor(p n) it keeps; spread over its rows in proportion
    // (exact in total, which is all a hidden layer has).
    const auto rows = owners_[l].size(0);
    std::vector<double> free(static_cast<std::size_t>(rows), static_cast<double>(owners_[l].size(1)));
    for (std::int64_t t = 0; t < tasks; ++t) {
      const torch::Tensor mine = head ? head_rows(t).view(-1) : torch::ones({rows});
      const auto* use = mine.data_ptr<float>();
      double n = 0;
      for (std::int64_t r = 0; r < rows; ++r) n += use[r] > 0 ? free[static_cast<std::size_t>(r)] : 0;
      n = std::round(n);  // a whole number of weights (the spreading below rounds in floating point)
      if (n < 1) {
        std::ostringstream p;
        p << prune_;
        return "--packnet-prune " + p.str() + " leaves layer " + std::to_string(l) +
               " (" + std::to_string(owners_[l].numel()) + " weights) no free weight for task " + std::to_string(t) +
               " of the stream's " + std::to_string(tasks);
      }
      const double left = std::floor(prune_ * n) / n;
      for (std::int64_t r = 0; r < rows; ++r) {
        if (use[r] > 0) free[static_cast<std::size_t>(r)] *= left;
      }
    }
  }
  return "";
}

Model make_packnet(const ModelOptions& o) {
  const std::vector<std::int64_t> widths = mlp_widths(o);
  return std::make_shared<PackNetImpl>(widths, o.packnet_prune, o.packnet_retrain, o.task_classes);
}

}  // namespace mnemo::model
