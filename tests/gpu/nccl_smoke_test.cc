// Tests (GPU only; skipped without a CUDA device): the NCCL backend at world
//   size 1 and under mpiexec: all-reduce and broadcast of device buffers
//   against closed forms; a collective is ordered after the work on the
//   default stream without any synchronisation by the caller.
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

TEST(NcclSmoke, CollectiveWaitsForWorkOnTheDefaultStream) {
  // A slow asynchronous copy of ones on the legacy default stream (where
  // LibTorch writes), then at once the all-reduce, with no synchronisation
  // between them: when the call returns, the sum must hold the whole copy
  // (on one rank too, where NCCL may have nothing to add).
  if (!have_gpu()) GTEST_SKIP() << "no CUDA device";
  int devices = 0;
  cudaGetDeviceCount(&devices);
  auto nccl = make_communicator(BackendKind::kNccl, *g_control, true, g_control->local_rank() % devices);
  const std::size_t n = std::size_t{1} << 26;  // 256 MiB: tens of milliseconds to copy
  float* host = nullptr;
  ASSERT_EQ(cudaMallocHost(reinterpret_cast<void**>(&host), n * sizeof(float)), cudaSuccess);
  for (std::size_t i = 0; i < n; ++i) host[i] = 1.0f;
  float* dev = nullptr;
  ASSERT_EQ(cudaMalloc(reinterpret_cast<void**>(&dev), n * sizeof(float)), cudaSuccess);
  ASSERT_EQ(cudaMemset(dev, 0, n * sizeof(float)), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(dev, host, n * sizeof(float), cudaMemcpyHostToDevice, cudaStreamLegacy), cudaSuccess);
  nccl->allreduce_sum(dev, n, DType::kFloat32);
  // Read back at once on a stream that does not wait for the default one:
  // had the call returned before the copy finished, zeros would show.
  std::vector<float> back(n, -1.0f);
  cudaStream_t side = nullptr;
  ASSERT_EQ(cudaStreamCreateWithFlags(&side, cudaStreamNonBlocking), cudaSuccess);
  ASSERT_EQ(cudaMemcpyAsync(back.data(), dev, n * sizeof(float), cudaMemcpyDeviceToHost, side), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(side), cudaSuccess);
  cudaStreamDestroy(side);
  const auto want = static_cast<float>(nccl->world_size());
  std::size_t wrong = 0;
  for (std::size_t i = 0; i < n; ++i) wrong += back[i] != want;
  EXPECT_EQ(wrong, 0u) << "the all-reduce ran before the copy on the default stream finished";
  cudaFree(dev);
  cudaFreeHost(host);
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
