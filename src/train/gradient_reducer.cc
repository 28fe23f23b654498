// Implements: GradientReducer (see gradient_reducer.h).
#include "train/gradient_reducer.h"

#include <torch/csrc/autograd/utils/lambda_post_hook.h>
#include <torch/csrc/autograd/variable.h>

#include "core/error.h"

namespace mnemo::train {

void ReducerOptions::declare(OptionTable& t) {
  t.add("bucket-mb", bucket_mb, "Gradient bucket cap, MiB (0: one bucket for all gradients)")
      .in_range(0, 1 << 20)
      .result_neutral();
  t.add("overlap", overlap, "Start bucket all-reduces during backward (asynchronous backends: nccl)").result_neutral();
  t.add_choice("wire-dtype", wire, {{"fp32", DType::kFloat32}, {"fp16", DType::kFloat16}, {"bf16", DType::kBFloat16}},
               "Gradient all-reduce precision (fp16 and bf16 halve the bytes)");
}

GradientReducer::GradientReducer(FlatParameters& flat, Communicator& comm, std::size_t bucket_bytes, bool overlap,
                                 DType wire)
    : flat_(flat), comm_(comm), overlap_(overlap && comm.asynchronous()), wire_(wire) {
  MNEMO_ASSERT(wire == DType::kFloat32 || wire == DType::kFloat16 || wire == DType::kBFloat16,
               "gradients go over the wire as float32, float16 or bfloat16");
  const auto& params = flat.parameters();
  const auto& offsets = flat.offsets();
  const std::size_t n = params.size();
  bucket_of_.resize(n);
  const std::int64_t cap = bucket_bytes == 0 ? INT64_MAX : static_cast<std::int64_t>(bucket_bytes / sizeof(float));
  // Walk parameters backwards; a bucket is [offsets[first], end).
  std::int64_t end = flat.numel();
  Bucket current;
  current.end = end;
  for (std::size_t k = n; k-- > 0;) {
    const std::int64_t size = params[k].numel();
    if (current.params > 0 && current.end - offsets[k] > cap) {
      buckets_.push_back(std::move(current));
      current = Bucket{};
      current.end = offsets[k] + size;
    }
    current.begin = offsets[k];
    ++current.params;
    bucket_of_[k] = buckets_.size();
  }
  buckets_.push_back(std::move(current));
  MNEMO_ASSERT(buckets_.back().begin == 0, "buckets must cover the flat buffer");
  if (wire_ != DType::kFloat32) {
    const auto type = wire_ == DType::kFloat16 ? torch::kFloat16 : torch::kBFloat16;
    for (auto& b : buckets_) b.staging = torch::empty({b.end - b.begin}, flat.grads().options().dtype(type));
  }

  if (!overlap_) return;
  for (std::size_t k = 0; k < n; ++k) {
    auto acc = torch::autograd::impl::grad_accumulator(params[k]);
    MNEMO_ASSERT(acc != nullptr, "parameter without a gradient accumulator");
    acc->add_post_hook(std::make_unique<torch::autograd::utils::LambdaPostHook>(
        [this, k, alive = alive_](const torch::autograd::variable_list& outputs,
                                  const torch::autograd::variable_list&) {
          if (*alive) mark_ready(k);
          return outputs;
        }));
    accumulators_.push_back(std::move(acc));
  }
}

GradientReducer::~GradientReducer() {
  *alive_ = false;  // the hooks stay registered in autograd; make them inert
}

void GradientReducer::prepare() {
  for (auto& b : buckets_) {
    b.ready = 0;
    b.request.reset();
  }
  next_ = 0;
  armed_ = overlap_;
}

void GradientReducer::mark_ready(std::size_t param) {
  if (!armed_) return;  // e.g. a strategy's extra backward after the sync
  Bucket& b = buckets_[bucket_of_[param]];
  ++b.ready;
  while (next_ < buckets_.size() && buckets_[next_].ready >= buckets_[next_].params) launch(next_++);
}

void GradientReducer::launch(std::size_t i) {
  Bucket& b = buckets_[i];
  const auto count = static_cast<std::size_t>(b.end - b.begin);
  void* data = flat_.grads().data_ptr<float>() + b.begin;
  if (b.staging.defined()) {
    b.staging.copy_(flat_.grads().narrow(0, b.begin, b.end - b.begin));  // round to 16 bits
    data = b.staging.data_ptr();
  }
  // Blocking collectives are the backends' fastest path (Open MPI's tuned
  // allreduce beats its non-blocking libnbc one); use async only to overlap.
  if (overlap_) {
    b.request = comm_.allreduce_sum_async(data, count, wire_);
  } else {
    comm_.allreduce_sum(data, count, wire_);
  }
}

void GradientReducer::finish() {
  armed_ = false;
  while (next_ < buckets_.size()) launch(next_++);
  for (auto& b : buckets_) {
    if (b.request) b.request->wait();
    b.request.reset();
    if (b.staging.defined()) flat_.grads().narrow(0, b.begin, b.end - b.begin).copy_(b.staging);
  }
}

}  // namespace mnemo::train
