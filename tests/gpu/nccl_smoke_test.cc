// Tests (GPU only; skipped without a CUDA device): the NCCL backend at world
//   size 1 and under mpiexec: all-reduce and broadcast of device buffers
//   against closed forms.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <vector>

#include "comm/communicator.h"

namespace mnemo {
namespace {

std::unique_ptr<Communicator> g_control;

bool have_gpu() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

TEST(NcclSmoke, AllreduceAndBroadcastOnTheDevice) {
  if (!have_gpu()) GTEST_SKIP() << "no CUDA device";
  int devices = 0;
  cudaGetDeviceCount(&devices);
  auto nccl = make_communicator(BackendKind::kNccl, *g_control, true, g_control->local_rank() % devices);
  const int n = 1 << 20, size = nccl->world_size(), rank = nccl->rank();
  std::vector<float> host(n);
  for (int i = 0; i < n; ++i) host[i] = static_cast<float>(rank + i % 7);
  float* dev = nullptr;
  ASSERT_EQ(cudaMalloc(reinterpret_cast<void**>(&dev), n * sizeof(float)), cudaSuccess);
  cudaMemcpy(dev, host.data(), n * sizeof(float), cudaMemcpyHostToDevice);
  nccl->allreduce_sum(dev, n, DType::kFloat32);
  cudaMemcpy(host.data(), dev, n * sizeof(float), cudaMemcpyDeviceToHost);
  for (int i = 0; i < n; i += 4099) ASSERT_EQ(host[i], size * (size - 1) / 2.0f + size * (i % 7));
  nccl->broadcast(dev, n, DType::kFloat32, 0);
  cudaFree(dev);
}

}  // namespace
}  // namespace mnemo

int main(int argc, char** argv) {
  mnemo::MpiSession mpi(&argc, &argv);
  mnemo::g_control = mnemo::make_mpi_communicator();
  ::testing::InitGoogleTest(&argc, argv);
  const int rc = RUN_ALL_TESTS();
  mnemo::g_control.reset();
  return rc;
}
