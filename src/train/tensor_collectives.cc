// Implements: allgather_rows and global_mean (see tensor_collectives.h).
#include "train/tensor_collectives.h"

#include <algorithm>

#include "core/error.h"

namespace mnemo::train {

namespace {

DType dtype_of_tensor(const torch::Tensor& t) {
  switch (t.scalar_type()) {
    case torch::kFloat32: return DType::kFloat32;
    case torch::kFloat64: return DType::kFloat64;
    case torch::kInt32: return DType::kInt32;
    case torch::kInt64: return DType::kInt64;
    default: break;
  }
  MNEMO_ASSERT(false, std::string("allgather_rows does not take ") + c10::toString(t.scalar_type()));
  return DType::kFloat32;
}

}  // namespace

torch::Tensor allgather_rows(Communicator& comm, const torch::Tensor& rows) {
  MNEMO_ASSERT(rows.dim() >= 1, "allgather_rows takes rows [n, ...]");
  const DType dtype = dtype_of_tensor(rows);
  const auto device_opts = torch::TensorOptions().device(rows.device());
  // Row counts: through the same communicator, so its buffers' place holds.
  torch::Tensor count = torch::full({1}, rows.size(0), device_opts.dtype(torch::kInt64));
  torch::Tensor counts = torch::empty({comm.world_size()}, device_opts.dtype(torch::kInt64));
  comm.allgather(count.data_ptr(), counts.data_ptr(), 1, DType::kInt64);
  const torch::Tensor host_counts = counts.to(torch::kCPU);
  const std::int64_t* n = host_counts.data_ptr<std::int64_t>();
  const std::int64_t most = *std::max_element(n, n + comm.world_size());

  std::vector<std::int64_t> padded_shape = rows.sizes().vec();
  padded_shape[0] = most;
  torch::Tensor padded = torch::zeros(padded_shape, rows.options());
  if (rows.size(0) > 0) padded.narrow(0, 0, rows.size(0)).copy_(rows);
  padded = padded.contiguous();
  std::vector<std::int64_t> all_shape = padded_shape;
  all_shape[0] = most * comm.world_size();
  torch::Tensor all = torch::empty(all_shape, rows.options());
  comm.allgather(padded.data_ptr(), all.data_ptr(), static_cast<std::size_t>(padded.numel()), dtype);

  std::vector<torch::Tensor> parts;
  for (int r = 0; r < comm.world_size(); ++r) {
    if (n[r] > 0) parts.push_back(all.narrow(0, r * most, n[r]));
  }
  if (parts.empty()) {
    padded_shape[0] = 0;
    return torch::empty(padded_shape, rows.options());
  }
  return torch::cat(parts);
}

std::int64_t global_mean(Communicator& tensors, Communicator& control, torch::Tensor& sum, std::int64_t count) {
  MNEMO_ASSERT(sum.is_contiguous() && sum.scalar_type() == torch::kFloat32, "global_mean takes contiguous float32");
  tensors.allreduce_sum(sum.data_ptr(), static_cast<std::size_t>(sum.numel()), DType::kFloat32);
  std::int64_t total = count;
  control.allreduce_sum(&total, 1, DType::kInt64);
  if (total > 0) {
    torch::NoGradGuard no_grad;
    sum.div_(static_cast<double>(total));
  }
  return total;
}

}  // namespace mnemo::train
