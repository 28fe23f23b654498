// Implements: verify_same_model, broadcast_parameters, average_buffers.
#include "train/model_sync.h"

#include "core/error.h"

namespace mnemo::train {

void verify_same_model(Communicator& control, const FlatParameters& flat) {
  const auto sig = static_cast<std::int64_t>(flat.signature() >> 1);
  std::vector<std::int64_t> v = {sig, -sig, flat.numel(), -flat.numel()};
  std::vector<std::int64_t> mx = v;
  control.allreduce_max(mx.data(), mx.size(), DType::kInt64);
  if (mx[0] != sig || -mx[1] != sig) {
    throw Error(with_hint("the ranks built different models (rank " + std::to_string(control.rank()) + " has " +
                              std::to_string(flat.numel()) + " parameters; the largest model has " +
                              std::to_string(mx[2]) + ", the smallest " + std::to_string(-mx[3]) + ")",
                          "every rank must run the same mnemo build with the same --model, --hidden and stream"));
  }
}

void broadcast_parameters(Communicator& comm, FlatParameters& flat, int root) {
  comm.broadcast(flat.values().data_ptr(), static_cast<std::size_t>(flat.numel()), DType::kFloat32, root);
}

void average_buffers(Communicator& comm, torch::nn::Module& module) { average_float_tensors(comm, module.buffers()); }

void average_float_tensors(Communicator& comm, const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> buffers;
  for (const auto& b : tensors) {
    if (b.scalar_type() == torch::kFloat32) buffers.push_back(b);
  }
  if (buffers.empty() || comm.world_size() == 1) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> flat_views;
  for (auto& b : buffers) flat_views.push_back(b.flatten());
  torch::Tensor packed = torch::cat(flat_views).contiguous();
  comm.allreduce_sum(packed.data_ptr(), static_cast<std::size_t>(packed.numel()), DType::kFloat32);
  packed.div_(comm.world_size());
  std::int64_t off = 0;
  for (auto& b : buffers) {
    b.copy_(packed.narrow(0, off, b.numel()).view(b.sizes()));
    off += b.numel();
  }
}

}  // namespace mnemo::train
