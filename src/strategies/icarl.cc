// Implements: Icarl.
#include "strategies/icarl.h"

#include <algorithm>
#include <limits>
#include <map>

#include "core/error.h"
#include "strategies/state_io.h"

namespace mnemo::strategies {

namespace {

StrategyOptions without_stream_policy(StrategyOptions o) {
  o.replay_policy = replay::Policy::kReservoir;  // never offered the stream: herding assigns the contents
  return o;
}

}  // namespace

Icarl::Icarl(const StrategyOptions& o, const StrategyContext& c)
    : options_(o), context_(c), memory_(without_stream_policy(o), c, /*with_logits=*/false) {
  if (!c.model->has_features()) {  // at start, not at the first task's end
    throw UsageError(with_hint("--strategy icarl classifies by feature means, but --model " + c.model->name() +
                                   " has no 'features' method",
                               "use a built-in model, or add `@torch.jit.export def features(self, x)` (the "
                               "penultimate activations [N, D]) to the TorchScript model"));
  }
  set_task(0);
}

void Icarl::set_task(std::int64_t task) {
  task_ = task;
  std::vector<std::int64_t> seen;  // distinct classes of tasks 0..task
  groups_ = 0;
  for (std::int64_t t = 0; t <= task && t < static_cast<std::int64_t>(context_.task_classes.size()); ++t) {
    for (auto c : context_.task_classes[t]) {
      ++groups_;
      if (std::find(seen.begin(), seen.end(), c) == seen.end()) seen.push_back(c);
    }
  }
  const auto& now = context_.task_classes.at(static_cast<std::size_t>(task));
  std::vector<bool> current;
  for (auto c : seen) current.push_back(std::find(now.begin(), now.end(), c) != now.end());
  seen_ = torch::tensor(seen, torch::kInt64).to(context_.device);
  torch::Tensor cur = torch::zeros({static_cast<std::int64_t>(current.size())}, torch::kBool);
  for (std::size_t i = 0; i < current.size(); ++i) cur[static_cast<std::int64_t>(i)] = static_cast<bool>(current[i]);
  current_ = cur.to(context_.device);
}

void Icarl::before_task(std::int64_t task) {
  set_task(task);
  teacher_ = task > 0 ? context_.services.clone_model() : nullptr;
}

std::vector<LossTerm> Icarl::loss(const Batch& batch) {
  const ReplayBatch r = memory_.sample();  // every rank draws, even with nothing of its own
  if (batch.size() == 0 && r.size() == 0) return {};
  const torch::Tensor x = batch.size() == 0 ? r.x : r.size() == 0 ? batch.x : torch::cat({batch.x, r.x});
  const torch::Tensor y = batch.size() == 0 ? r.y : r.size() == 0 ? batch.y : torch::cat({batch.y, r.y});
  const torch::Tensor logits = context_.model->forward(x).index_select(1, seen_);
  torch::Tensor target = y.unsqueeze(1).eq(seen_.unsqueeze(0)).to(logits.scalar_type());
  if (teacher_) {
    torch::NoGradGuard no_grad;
    const torch::Tensor old = torch::sigmoid(teacher_->forward(x).index_select(1, seen_));
    target = torch::where(current_.unsqueeze(0), target, old);
  }
  const torch::Tensor per_sample =
      torch::nn::functional::binary_cross_entropy_with_logits(
          logits, target, torch::nn::functional::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone))
          .mean(1);
  return {{per_sample.sum(), x.size(0), 1.0}};
}

std::vector<std::int64_t> Icarl::herd(const torch::Tensor& features, std::int64_t m) {
  const std::int64_t n = features.size(0);
  m = std::min(m, n);
  const torch::Tensor mu = features.mean(0);
  torch::Tensor sum = torch::zeros_like(mu);
  torch::Tensor taken = torch::zeros({n}, torch::TensorOptions().dtype(torch::kBool).device(features.device()));
  std::vector<std::int64_t> out;
  for (std::int64_t k = 1; k <= m; ++k) {
    torch::Tensor dist = (mu.unsqueeze(0) - (sum.unsqueeze(0) + features) / static_cast<double>(k)).norm(2, 1);
    dist = dist.masked_fill(taken, std::numeric_limits<float>::infinity());
    const std::int64_t i = dist.argmin().item<std::int64_t>();
    out.push_back(i);
    taken[i] = true;
    sum += features[i];
  }
  return out;
}

torch::Tensor Icarl::normalized_features(const torch::Tensor& samples) const {
  std::vector<torch::Tensor> parts;
  for (std::int64_t a = 0; a < samples.size(0); a += 512) {
    const torch::Tensor x = model::to_input(samples.narrow(0, a, std::min<std::int64_t>(512, samples.size(0) - a)),
                                            context_.device, context_.input_norm);
    parts.push_back(torch::nn::functional::normalize(context_.model->features(x),
                                                     torch::nn::functional::NormalizeFuncOptions().dim(1)));
  }
  return torch::cat(parts);
}

namespace {

// The bytes of one sample (any element type) as float32 values 0..255
// (exact): the form gather_images moves between ranks.
torch::Tensor bytes_as_float(const torch::Tensor& sample) {
  const torch::Tensor c = sample.contiguous();
  const std::int64_t n = c.numel() * static_cast<std::int64_t>(c.element_size());
  return torch::from_blob(c.data_ptr(), {n}, torch::kUInt8).to(torch::kFloat32);
}

}  // namespace

// Rows `ids` of this rank, with their samples' bytes (float32 [n, ss],
// exact for 0..255), gathered from every rank: a map id -> bytes. (collective)
std::map<std::int64_t, std::vector<std::uint8_t>> Icarl::gather_images(const std::vector<std::int64_t>& ids,
                                                                       const torch::Tensor& images) const {
  const torch::Tensor all_images =
      context_.services.allgather_rows(images).to(torch::kCPU).to(torch::kUInt8).contiguous();
  const torch::Tensor all_ids =
      context_.services.allgather_rows(torch::tensor(ids, torch::kInt64).to(context_.device)).to(torch::kCPU);
  const std::int64_t ss = images.size(1);
  std::map<std::int64_t, std::vector<std::uint8_t>> out;
  for (std::int64_t i = 0; i < all_ids.size(0); ++i) {
    const std::uint8_t* p = all_images.data_ptr<std::uint8_t>() + i * ss;
    out[all_ids[i].item<std::int64_t>()].assign(p, p + ss);
  }
  return out;
}

// Every exemplar, images included, on every rank (in slot order).
std::vector<replay::Sample> Icarl::all_exemplars() const {
  const auto& buf = memory_.buffer();
  const std::vector<std::int64_t> slots = buf.filled_slots();  // the same on every rank
  const std::int64_t ss = buf.sample_size();
  std::vector<std::int64_t> mine;  // the filled slots this rank owns
  for (auto s : slots) {
    if (buf.owns(s)) mine.push_back(s);
  }
  torch::Tensor images = torch::empty({static_cast<std::int64_t>(mine.size()), ss},
                                      torch::TensorOptions().dtype(torch::kFloat32).device(context_.device));
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const torch::Tensor row = torch::from_blob(const_cast<std::uint8_t*>(buf.image(mine[i])), {ss}, torch::kUInt8);
    images[static_cast<std::int64_t>(i)].copy_(row.to(torch::kFloat32));
  }
  auto by_slot = gather_images(mine, images);  // (collective)
  std::vector<replay::Sample> out(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) {
    out[i].image = std::move(by_slot.at(slots[i]));
    out[i].label = buf.label(slots[i]);
    out[i].task = buf.task(slots[i]);
  }
  return out;
}

void Icarl::after_task(const TaskSamples& samples) {
  auto& model = *context_.model;
  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  const std::int64_t ss = memory_.buffer().sample_size();
  std::vector<replay::Sample> exemplars = all_exemplars();

  // The task's features and labels: the ranks' blocks, gathered in rank
  // order, are the task's rows in order.
  std::vector<torch::Tensor> feats, labs;
  for (std::int64_t a = 0; a < samples.count; a += 2048) {
    const auto [images, labels] = samples.read(a, std::min(samples.count, a + 2048));
    feats.push_back(normalized_features(images));
    labs.push_back(labels.to(torch::kFloat32).to(context_.device));
  }
  const torch::Tensor mine = torch::cat(feats);  // every rank holds samples (check_data_parallel)
  const std::int64_t dim = mine.size(1);
  const auto fopts = torch::TensorOptions().dtype(torch::kFloat32).device(context_.device);
  const torch::Tensor features = context_.services.allgather_rows(mine);         // (collective)
  const torch::Tensor labels = context_.services.allgather_rows(torch::cat(labs));  // (collective)
  MNEMO_ASSERT(features.size(0) == samples.total, "the ranks' blocks do not tile the task");

  // m per (task, class) group seen; older groups keep their first m; the
  // current task's classes are herded (in domain-incremental streams a
  // class recurs in every task, with one group per task).
  const std::int64_t m = memory_.buffer().capacity() / std::max<std::int64_t>(1, groups_);
  std::vector<replay::Sample> kept;
  std::map<std::pair<std::int64_t, std::int64_t>, std::int64_t> per_group;
  for (auto& x : exemplars) {
    if (per_group[{x.task, x.label}]++ < m) kept.push_back(std::move(x));
  }
  std::vector<std::int64_t> rows;  // chosen rows of the task, class by class
  for (auto c : context_.task_classes[static_cast<std::size_t>(task_)]) {
    const torch::Tensor idx = labels.eq(static_cast<double>(c)).nonzero().flatten();
    if (idx.numel() == 0) continue;
    for (auto i : herd(features.index_select(0, idx), m)) rows.push_back(idx[i].item<std::int64_t>());
  }
  // Their images: each rank reads the chosen rows of its block.
  std::vector<std::int64_t> mine_k;
  std::vector<torch::Tensor> mine_images;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    const std::int64_t local = rows[k] - samples.first;
    if (local < 0 || local >= samples.count) continue;
    const auto [image, label] = samples.read(local, local + 1);
    mine_k.push_back(static_cast<std::int64_t>(k));
    mine_images.push_back(bytes_as_float(image).to(context_.device));
  }
  auto chosen = gather_images(mine_k, mine_images.empty() ? torch::empty({0, ss}, fopts)
                                                          : torch::stack(mine_images));  // (collective)
  for (std::size_t k = 0; k < rows.size(); ++k) {
    replay::Sample x;
    x.image = std::move(chosen.at(static_cast<std::int64_t>(k)));
    x.label = static_cast<std::int64_t>(labels[rows[k]].item<float>());
    x.task = task_;
    kept.push_back(std::move(x));
  }

  // Class means of the exemplars (every rank holds them all: same means).
  means_ = torch::zeros({context_.num_classes, dim}, fopts);
  torch::Tensor count = torch::zeros({context_.num_classes}, fopts);
  if (!kept.empty()) {
    std::vector<std::int64_t> shape = {static_cast<std::int64_t>(kept.size())};
    shape.insert(shape.end(), context_.image_shape.begin(), context_.image_shape.end());
    torch::Tensor images = torch::empty(shape, torch_type(context_.sample_type));
    std::vector<std::int64_t> ys;
    for (std::size_t k = 0; k < kept.size(); ++k) {
      std::copy(kept[k].image.begin(), kept[k].image.end(),
                static_cast<std::uint8_t*>(images.data_ptr()) + static_cast<std::int64_t>(k) * ss);
      ys.push_back(kept[k].label);
    }
    const torch::Tensor y = torch::tensor(ys, torch::kInt64).to(context_.device);
    means_.index_add_(0, y, normalized_features(images));
    count.index_add_(0, y, torch::ones({y.size(0)}, fopts));
  }
  has_mean_ = count.gt(0);
  means_ = torch::nn::functional::normalize(means_ / count.clamp_min(1).unsqueeze(1),
                                            torch::nn::functional::NormalizeFuncOptions().dim(1));
  memory_.assign(std::move(kept));
  if (was_training) model.train();
}

torch::Tensor Icarl::predict(model::ModelImpl& model, const torch::Tensor& x) {
  if (!means_.defined()) return model.forward(x);
  const torch::Tensor f =
      torch::nn::functional::normalize(model.features(x), torch::nn::functional::NormalizeFuncOptions().dim(1));
  const torch::Tensor scores = -torch::cdist(f, means_);
  return scores.masked_fill(has_mean_.logical_not().unsqueeze(0), -std::numeric_limits<float>::infinity());
}

void Icarl::save_state(torch::serialize::OutputArchive& a) const {
  save_tensor(a, "icarl.task", torch::full({1}, task_, torch::kInt64));
  if (teacher_) save_model_values(a, "icarl.teacher", *teacher_);
  save_tensor(a, "icarl.means", means_);
  save_tensor(a, "icarl.has_mean", has_mean_);
}

void Icarl::load_state(torch::serialize::InputArchive& a) {
  torch::Tensor t;
  load_tensor(a, "icarl.task", t, torch::kCPU);
  if (t.defined()) set_task(t.item<std::int64_t>());
  model::Model teacher = context_.services.clone_model();
  teacher_ = load_model_values(a, "icarl.teacher", *teacher, context_.device) ? teacher : nullptr;
  load_tensor(a, "icarl.means", means_, context_.device);
  load_tensor(a, "icarl.has_mean", has_mean_, context_.device);
}

}  // namespace mnemo::strategies
