// Implements: Evaluator.
#include "train/evaluator.h"

#include "data/sharding.h"
#include "strategies/strategy.h"

namespace mnemo::train {

Evaluator::Evaluator(const data::StreamReader& stream, int world_size, int rank, torch::Device device,
                     std::int64_t batch_size)
    : num_classes_(stream.num_classes()), device_(device), batch_size_(std::max<std::int64_t>(1, batch_size)) {
  for (std::int64_t t = 0; t < stream.num_tasks(); ++t) {
    const auto& info = stream.task(t);
    const data::Range rows = data::block_range(info.test_count, world_size, rank);
    data::SampleBlock block = stream.read(t, data::Split::kTest, rows);
    std::vector<std::int64_t> shape = {block.count()};
    shape.insert(shape.end(), stream.image_shape().begin(), stream.image_shape().end());
    TaskTest tt;
    tt.images = torch::from_blob(block.images.data(), shape, torch::kUInt8).clone();
    tt.labels = torch::from_blob(block.labels.data(), {block.count()}, torch::kInt64).clone().to(device);
    tt.classes = torch::tensor(info.classes, torch::kInt64).to(device);
    tasks_.push_back(std::move(tt));
  }
}

eval::EvalCounts Evaluator::evaluate(model::ModelImpl& model) const {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  eval::EvalCounts counts(tasks_.size(), static_cast<std::size_t>(num_classes_));
  torch::Tensor confusion = torch::zeros({num_classes_ * num_classes_}, torch::kInt64).to(device_);
  for (std::size_t t = 0; t < tasks_.size(); ++t) {
    const auto& tt = tasks_[t];
    const std::int64_t m = tt.images.size(0);
    std::int64_t hits_c = 0, hits_t = 0;
    for (std::int64_t a = 0; a < m; a += batch_size_) {
      const std::int64_t n = std::min(batch_size_, m - a);
      torch::Tensor logits = model.forward(strategies::to_input(tt.images.narrow(0, a, n), device_));
      torch::Tensor y = tt.labels.narrow(0, a, n);
      torch::Tensor predicted = logits.argmax(1);
      hits_c += predicted.eq(y).sum().item<std::int64_t>();
      confusion.index_add_(0, y * num_classes_ + predicted, torch::ones_like(y));
      torch::Tensor own = logits.index_select(1, tt.classes).argmax(1);
      hits_t += tt.classes.index_select(0, own).eq(y).sum().item<std::int64_t>();
    }
    counts.correct_class_il[t] = hits_c;
    counts.correct_task_il[t] = hits_t;
    counts.total[t] = m;
  }
  confusion = confusion.to(torch::kCPU);
  std::copy_n(confusion.data_ptr<std::int64_t>(), counts.confusion.size(), counts.confusion.begin());
  if (was_training) model.train();
  return counts;
}

}  // namespace mnemo::train
