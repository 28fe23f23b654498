// Implements: Evaluator.
#include "train/evaluator.h"

#include "core/error.h"
#include "data/batch_loader.h"
#include "data/sharding.h"
#include "strategies/strategy.h"
#include "train/sample_tensors.h"

namespace mnemo::train {

void EvalOptions::declare(OptionTable& t) {
  t.add_choice("eval-split", split, {{"test", data::Split::kTest}, {"val", data::Split::kVal}},
               "Evaluate on each task's test split, or on its validation split (streams prepared with "
               "--val-fraction)");
  t.add("eval-batch", batch_size, "Evaluation batch per rank").in_range(1, 1LL << 30).result_neutral();
  t.add("eval-cache-mb", cache_mb, "Evaluation samples kept in memory per rank, MiB; tasks beyond it are streamed "
                                   "from the shards at each evaluation")
      .in_range(0, 1e9)
      .result_neutral();
}

Evaluator::Evaluator(const data::StreamReader& stream, int world_size, int rank, torch::Device device, EvalOptions options)
    : stream_(stream),
      norm_(stream_input_norm(stream.sample_format(), device)),
      options_(options),
      num_classes_(stream.num_classes()),
      device_(device) {
  options_.batch_size = std::max<std::int64_t>(1, options_.batch_size);
  std::int64_t cached_bytes = 0;
  for (std::int64_t t = 0; t < stream.num_tasks(); ++t) {
    const auto& info = stream.task(t);
    if (info.count(options_.split) == 0) {
      throw UsageError(with_hint("stream " + stream.dir() + " has no " + data::split_name(options_.split) +
                                     " split (task " + std::to_string(t) + ")",
                                 "prepare it with --val-fraction F, or evaluate on --eval-split test"));
    }
    TaskSlice slice;
    slice.rows = data::block_range(info.count(options_.split), world_size, rank);
    slice.classes = torch::tensor(info.classes, torch::kInt64).to(device);
    const std::int64_t bytes = slice.rows.size() * stream.sample_size();
    if (cached_bytes + bytes <= static_cast<std::int64_t>(options_.cache_mb * (1 << 20))) {
      cached_bytes += bytes;
      std::tie(slice.images, slice.labels) =
          block_tensors(stream.read(t, options_.split, slice.rows), stream.sample_format());
    }
    tasks_.push_back(std::move(slice));
  }
}

void Evaluator::count(model::ModelImpl& model, const Predict& predict, const TaskSlice& task,
                      const torch::Tensor& images, const torch::Tensor& labels, std::int64_t& hits_c,
                      std::int64_t& hits_t, torch::Tensor& confusion, torch::Tensor& confusion_task_il) const {
  const torch::Tensor x = model::to_input(images, device_, norm_);
  const torch::Tensor logits = predict ? predict(model, x) : model.forward(x);
  const torch::Tensor y = labels.to(device_);
  const torch::Tensor predicted = logits.argmax(1);
  hits_c += predicted.eq(y).sum().item<std::int64_t>();
  confusion.index_add_(0, y * num_classes_ + predicted, torch::ones_like(y));
  const torch::Tensor own = task.classes.index_select(0, logits.index_select(1, task.classes).argmax(1));
  hits_t += own.eq(y).sum().item<std::int64_t>();
  confusion_task_il.index_add_(0, y * num_classes_ + own, torch::ones_like(y));
}

eval::EvalCounts Evaluator::evaluate(model::ModelImpl& model, const Predict& predict) const {
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  eval::EvalCounts counts(tasks_.size(), static_cast<std::size_t>(num_classes_));
  torch::Tensor confusion = torch::zeros({num_classes_ * num_classes_}, torch::kInt64).to(device_);
  torch::Tensor confusion_task_il = torch::zeros_like(confusion);
  const std::int64_t b = options_.batch_size;
  const std::int64_t training_task = model.task_in_use();
  for (std::size_t t = 0; t < tasks_.size(); ++t) {
    const TaskSlice& task = tasks_[t];
    model.use_task(static_cast<std::int64_t>(t));  // task-aware networks: the task's column
    const std::int64_t m = task.rows.size();
    std::int64_t hits_c = 0, hits_t = 0;
    if (task.images.defined()) {
      for (std::int64_t a = 0; a < m; a += b) {
        const std::int64_t n = std::min(b, m - a);
        count(model, predict, task, task.images.narrow(0, a, n), task.labels.narrow(0, a, n), hits_c, hits_t,
              confusion, confusion_task_il);
      }
    } else {  // streamed in order, read ahead by the loader's thread
      std::vector<data::Range> batches;
      for (std::int64_t a = 0; a < m; a += b) batches.push_back({a, std::min(m, a + b)});
      data::BatchLoader::Options lo;
      lo.window = std::max<std::int64_t>(b, 4096);
      data::BatchLoader loader(stream_, options_.split, {{static_cast<std::int64_t>(t), task.rows}},
                               std::move(batches), lo);
      while (auto block = loader.next()) {
        const torch::Tensor labels = torch::tensor(block->labels, torch::kInt64);
        const torch::Tensor images = sample_tensor(std::move(block->images), block->count(), stream_.sample_format());
        count(model, predict, task, images, labels, hits_c, hits_t, confusion, confusion_task_il);
      }
    }
    counts.correct_class_il[t] = hits_c;
    counts.correct_task_il[t] = hits_t;
    counts.total[t] = m;
  }
  confusion = confusion.to(torch::kCPU);
  std::copy_n(confusion.data_ptr<std::int64_t>(), counts.confusion.size(), counts.confusion.begin());
  confusion_task_il = confusion_task_il.to(torch::kCPU);
  std::copy_n(confusion_task_il.data_ptr<std::int64_t>(), counts.confusion_task_il.size(),
              counts.confusion_task_il.begin());
  model.use_task(training_task);
  if (was_training) model.train();
  return counts;
}

}  // namespace mnemo::train
