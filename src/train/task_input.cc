// Implements: plan_task and TaskInput (see task_input.h).
#include "train/task_input.h"

#include <algorithm>

#include "core/error.h"
#include "core/rng.h"
#include "data/sharding.h"
#include "model/input.h"
#include "train/sample_tensors.h"

namespace mnemo::train {

TaskPlan plan_task(const data::StreamReader& stream, const strategies::Strategy& strategy, std::int64_t t,
                   std::int64_t batch_size) {
  TaskPlan plan;
  for (auto k : strategy.training_tasks(t, stream.num_tasks())) {
    plan.segments.push_back({k, {0, stream.task(k).train_count}});
    plan.rows += stream.task(k).train_count;
  }
  plan.steps = (plan.rows + batch_size - 1) / batch_size;
  return plan;
}

strategies::Batch rank_slice(std::int64_t t, data::LoadedBatch&& global, const data::StreamReader& stream,
                             const model::InputNorm& norm, const model::Augmenter& augment, std::int64_t step,
                             const torch::Device& device, std::shared_ptr<std::atomic<std::int64_t>> bytes_read) {
  const data::SampleFormat& format = stream.sample_format();
  strategies::Batch batch;
  batch.task = t;
  const data::Range mine = global.share;
  batch.offset = mine.begin;
  batch.global_labels = torch::tensor(global.labels, torch::kInt64);
  batch.images = sample_tensor(std::move(global.images), mine.size(), format);
  batch.y = batch.global_labels.narrow(0, mine.begin, mine.size()).to(device);
  batch.step = step;
  batch.x = model::to_input(batch.images, device, norm);
  if (augment.enabled()) {
    std::vector<std::int64_t> rows(static_cast<std::size_t>(mine.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = mine.begin + static_cast<std::int64_t>(i);
    batch.x = augment.apply(batch.x, model::Augmenter::kStreamRows, static_cast<std::uint64_t>(step), rows);
  }
  auto sources = std::make_shared<const std::vector<data::StreamRow>>(std::move(global.sources));
  batch.read_rows = [&stream, sources, bytes_read](const std::vector<std::int64_t>& rows) {
    const std::int64_t ss = stream.sample_size();
    std::vector<std::uint8_t> bytes(rows.size() * static_cast<std::size_t>(ss));
    for (std::size_t i = 0; i < rows.size(); ++i) {  // one row at a time: a batch's rows need not increase
      const data::StreamRow& at = sources->at(static_cast<std::size_t>(rows[i]));
      stream.read_images(at.task, data::Split::kTrain, {at.row}, bytes.data() + static_cast<std::int64_t>(i) * ss);
    }
    *bytes_read += static_cast<std::int64_t>(bytes.size());
    return sample_tensor(std::move(bytes), static_cast<std::int64_t>(rows.size()), stream.sample_format());
  };
  return batch;
}

strategies::TaskSamples rank_block(const data::StreamReader& stream, std::int64_t t, int world_size, int rank,
                                   std::shared_ptr<std::atomic<std::int64_t>> bytes_read) {
  const data::Range block = data::block_range(stream.task(t).train_count, world_size, rank);
  strategies::TaskSamples samples;
  samples.task = t;
  samples.count = block.size();
  samples.first = block.begin;
  samples.total = stream.task(t).train_count;
  samples.read = [&stream, t, block, bytes_read](std::int64_t begin, std::int64_t end) {
    MNEMO_ASSERT(0 <= begin && begin <= end && end <= block.size(), "TaskSamples::read beyond the block");
    *bytes_read += (end - begin) * (stream.sample_size() + static_cast<std::int64_t>(sizeof(std::int64_t)));
    return block_tensors(stream.read(t, data::Split::kTrain, {block.begin + begin, block.begin + end}),
                         stream.sample_format());
  };
  return samples;
}

TaskInput::TaskInput(const data::StreamReader& stream, const strategies::Strategy& strategy,
                     const RunOptions& options, int world_size, int rank)
    : stream_(stream), strategy_(strategy), options_(options), world_size_(world_size), rank_(rank) {}

strategies::Batch TaskInput::slice(std::int64_t t, data::LoadedBatch&& global, const model::InputNorm& norm,
                                   const model::Augmenter& augment, std::int64_t step,
                                   const torch::Device& device) const {
  return rank_slice(t, std::move(global), stream_, norm, augment, step, device, bytes_read_);
}

strategies::TaskSamples TaskInput::block(std::int64_t t) const {
  return rank_block(stream_, t, world_size_, rank_, bytes_read_);
}

std::unique_ptr<data::BatchLoader> TaskInput::make_loader(std::int64_t t, std::int64_t epoch,
                                                          std::int64_t first_step, const TaskPlan& plan) const {
  std::vector<data::Range> batches;
  const std::int64_t b = options_.batch_size;
  for (std::int64_t step = first_step; step < plan.steps; ++step) {
    batches.push_back({step * b, std::min(plan.rows, (step + 1) * b)});
  }
  data::BatchLoader::Options lo;
  lo.window = options_.shuffle_window;
  lo.shuffle = Rng::derive(options_.seed, 0xe90c, static_cast<std::uint64_t>(t * 1000003 + epoch));
  lo.memo = windows_;
  lo.share = {world_size_, rank_};
  return std::make_unique<data::BatchLoader>(stream_, data::Split::kTrain, plan.segments, std::move(batches), lo);
}

std::unique_ptr<data::BatchLoader> TaskInput::take(std::int64_t t, std::int64_t epoch, std::int64_t first_step) {
  if (next_ && next_task_ == t && next_epoch_ == epoch && first_step == 0) return std::move(next_);
  return make_loader(t, epoch, first_step, plan(t));
}

void TaskInput::prefetch(std::int64_t t, std::int64_t epoch) {
  next_.reset();
  if (t >= stream_.num_tasks()) return;
  const TaskPlan p = plan(t);
  if (p.segments.empty()) return;
  next_ = make_loader(t, epoch, 0, p);
  next_task_ = t;
  next_epoch_ = epoch;
}

void TaskInput::prefetch_after(std::int64_t t, std::int64_t epoch) {
  if (epoch + 1 < options_.epochs) return prefetch(t, epoch + 1);
  prefetch(t + 1, 0);
}

}  // namespace mnemo::train
