// Implements: DDP-style gradient buckets over the flat gradient buffer.
//
//   Rationale. Parameters are assigned to buckets in reverse order (the
//   order in which backward produces their gradients), each bucket holding
//   at most `bucket_bytes`; since parameters are contiguous in the flat
//   buffer, a bucket is a contiguous slice and is all-reduced in place with
//   no packing copy. With overlap on, a post-accumulation hook on each
//   parameter marks it ready; a bucket is launched (asynchronously where
//   the backend allows) as soon as it and every lower-numbered bucket are
//   ready, so every rank launches buckets in the same order 0, 1, 2, ...
//   finish() launches whatever is left (a rank with an empty batch, or
//   parameters that got no gradient) in that same order, then waits for all.
#pragma once

#include <torch/csrc/autograd/variable.h>
#include <torch/torch.h>

#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include "comm/communicator.h"
#include "core/options.h"
#include "train/flat_parameters.h"

namespace mnemo::train {

struct ReducerOptions {
  double bucket_mb = 25.0;          ///< gradient bucket cap, MiB (0: one bucket)
  bool overlap = true;              ///< start buckets during backward
  DType wire = DType::kFloat32;     ///< all-reduce precision: kFloat32, kFloat16 or kBFloat16
  /// --bucket-mb, --overlap/--no-overlap, --wire-dtype.
  void declare(OptionTable& table);
};

class GradientReducer {
 public:
  /// `bucket_bytes` = 0 puts everything in one bucket. With `overlap` and
  /// an asynchronous backend (nccl), hooks launch buckets during backward;
  /// otherwise buckets run after backward with blocking collectives.
  /// `wire`: kFloat32, or kFloat16 / kBFloat16 to halve the bytes sent
  /// (each bucket is rounded into a 16-bit staging buffer, summed in 16
  /// bits, and widened back into the gradient buffer).
  GradientReducer(FlatParameters& flat, Communicator& comm, std::size_t bucket_bytes, bool overlap,
                  DType wire = DType::kFloat32);
  ~GradientReducer();

  /// Arms the hooks for the next backward (call before backward).
  void prepare();
  /// Launches the remaining buckets in order and waits for all of them.
  /// All ranks, same order.
  void finish();

  std::size_t num_buckets() const { return buckets_.size(); }
  bool overlaps() const { return overlap_; }
  /// Flat-buffer [begin, end) of bucket i.
  std::pair<std::int64_t, std::int64_t> bucket_range(std::size_t i) const {
    return {buckets_[i].begin, buckets_[i].end};
  }

 private:
  struct Bucket {
    std::int64_t begin = 0, end = 0;  // flat-buffer elements
    int params = 0;                   // parameters in the bucket
    int ready = 0;                    // of which ready this step
    std::unique_ptr<Request> request;
    torch::Tensor staging;            // 16-bit copy on the wire, if compressed
  };
  void mark_ready(std::size_t param);
  void launch(std::size_t bucket);

  FlatParameters& flat_;
  Communicator& comm_;
  bool overlap_;
  DType wire_;
  bool armed_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // hooks outlive the reducer
  std::vector<Bucket> buckets_;
  std::vector<std::size_t> bucket_of_;  // parameter -> bucket
  std::size_t next_ = 0;                // next bucket to launch
  // shared_ptr<Node> up to LibTorch 2.12, intrusive_ptr<Node> from 2.13.
  using Accumulator = decltype(torch::autograd::impl::grad_accumulator(std::declval<const torch::Tensor&>()));
  std::vector<Accumulator> accumulators_;
};

}  // namespace mnemo::train
