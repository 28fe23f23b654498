// Benchmark (GPU; run under mpiexec, one rank per GPU; not a test): NCCL
// all-reduce bandwidth as nccl-tests defines it, side by side in one run:
//   raw    ncclAllReduce on a communicator of its own (the baseline)
//   mnemo  the nccl backend's allreduce_sum (the gradient sync's collective:
//          enqueue, then poll the stream with ncclCommGetAsyncError)
// Float32 sums of 1 MiB to 1 GiB, in place. For each size: the mean time
// per call over ITERS calls after warm-up, the algorithm bandwidth
// algbw = bytes / time and the bus bandwidth busbw = algbw * 2(n-1)/n
// (n ranks; 0 on one rank, as nccl-tests prints it). Times are the slowest
// rank's. Usage: mpiexec -n GPUS mnemo_bench_nccl [ITERS] [MAX_MIB]
#include <cuda_runtime_api.h>
#include <mpi.h>
#include <nccl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>

#include "comm/communicator.h"

namespace {

void require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "mnemo_bench_nccl: %s failed\n", what);
  MPI_Abort(MPI_COMM_WORLD, 1);
}

// Mean seconds per call of f (which enqueues work), after `warm` calls;
// the device is synchronised before and after the timed loop.
double seconds_per_call(int iters, int warm, const std::function<void()>& f) {
  for (int i = 0; i < warm; ++i) f();
  require(cudaDeviceSynchronize() == cudaSuccess, "cudaDeviceSynchronize");
  MPI_Barrier(MPI_COMM_WORLD);
  const auto a = std::chrono::steady_clock::now();
  for (int i = 0; i < iters; ++i) f();
  require(cudaDeviceSynchronize() == cudaSuccess, "cudaDeviceSynchronize");
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count() / iters;
  MPI_Allreduce(MPI_IN_PLACE, &t, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mnemo;
  MpiSession mpi(&argc, &argv);
  auto control = make_mpi_communicator();
  const int iters = argc > 1 ? std::atoi(argv[1]) : 20;
  const std::size_t max_bytes = (argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1024) << 20;
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    if (control->rank() == 0) std::fprintf(stderr, "mnemo_bench_nccl: no CUDA device\n");
    return 77;
  }
  const int device = control->local_rank() % devices;
  require(cudaSetDevice(device) == cudaSuccess, "cudaSetDevice");
  auto mnemo_nccl = make_communicator(BackendKind::kNccl, *control, /*gpu_visible=*/true, device);

  // The baseline's own communicator and stream, bootstrapped the usual way.
  ncclUniqueId id;
  if (control->rank() == 0) require(ncclGetUniqueId(&id) == ncclSuccess, "ncclGetUniqueId");
  MPI_Bcast(&id, sizeof(id), MPI_BYTE, 0, MPI_COMM_WORLD);
  ncclComm_t raw_comm = nullptr;
  require(ncclCommInitRank(&raw_comm, control->world_size(), id, control->rank()) == ncclSuccess,
          "ncclCommInitRank");
  cudaStream_t stream = nullptr;
  require(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) == cudaSuccess, "cudaStreamCreate");

  float* buf = nullptr;
  require(cudaMalloc(reinterpret_cast<void**>(&buf), max_bytes) == cudaSuccess, "cudaMalloc");
  require(cudaMemset(buf, 0, max_bytes) == cudaSuccess, "cudaMemset");
  const int n = control->world_size();
  const double bus_factor = 2.0 * (n - 1) / n;
  cudaDeviceProp prop{};
  cudaGetDeviceProperties(&prop, device);
  if (control->rank() == 0) {
    std::printf("NCCL all-reduce (float32 sum, in place) on %d rank(s), device %s, %d iterations\n", n, prop.name,
                iters);
    std::printf("%12s | %10s %11s %11s | %10s %11s %11s | %s\n", "bytes", "raw us", "algbw GB/s", "busbw GB/s",
                "mnemo us", "algbw GB/s", "busbw GB/s", "raw/mnemo time");
  }
  for (std::size_t bytes = 1u << 20; bytes <= max_bytes; bytes *= 4) {
    const std::size_t count = bytes / sizeof(float);
    const double t_raw = seconds_per_call(iters, 5, [&] {
      require(ncclAllReduce(buf, buf, count, ncclFloat32, ncclSum, raw_comm, stream) == ncclSuccess,
              "ncclAllReduce");
    });
    const double t_mnemo =
        seconds_per_call(iters, 5, [&] { mnemo_nccl->allreduce_sum(buf, count, DType::kFloat32); });
    if (control->rank() == 0) {
      const double alg_raw = bytes / t_raw / 1e9, alg_mnemo = bytes / t_mnemo / 1e9;
      std::printf("%12zu | %10.1f %11.2f %11.2f | %10.1f %11.2f %11.2f | %.2f\n", bytes, 1e6 * t_raw,
                  alg_raw, alg_raw * bus_factor, 1e6 * t_mnemo, alg_mnemo, alg_mnemo * bus_factor,
                  t_raw / t_mnemo);
    }
  }
  cudaFree(buf);
  cudaStreamDestroy(stream);
  ncclCommDestroy(raw_comm);
  mnemo_nccl.reset();
  return 0;
}
