// Benchmark (run under mpiexec, not a test): gradient synchronisation of
// the reduced ResNet-18's parameters, side by side in one run:
//   raw        one MPI_Allreduce of all the gradient bytes (the baseline)
//   fused      mnemo's GradientReducer with the default 25 MiB buckets
//   bucketed   GradientReducer with 1 MiB buckets (several collectives)
//   per-tensor one MPI_Allreduce per parameter tensor
//   by size    one raw MPI_Allreduce against the mpi backend's sum
// Prints the median time of each and the ratios the README reports.
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "comm/communicator.h"
#include "model/model.h"
#include "train/flat_parameters.h"
#include "train/gradient_reducer.h"

namespace {

double median_seconds(int iters, const std::function<void()>& f) {
  std::vector<double> t;
  for (int i = 0; i < iters; ++i) {
    MPI_Barrier(MPI_COMM_WORLD);
    const auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  double m = t[t.size() / 2];
  MPI_Allreduce(MPI_IN_PLACE, &m, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);  // the slowest rank's
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace mnemo;
  MpiSession mpi(&argc, &argv);
  auto comm = make_mpi_communicator();
  const int iters = argc > 1 ? std::atoi(argv[1]) : 50;
  model::ModelOptions mo;
  mo.name = "resnet18";
  mo.input_shape = {3, 32, 32};
  mo.num_classes = 10;
  auto net = model::make_model(mo);
  train::FlatParameters flat(*net);
  flat.grads().fill_(1.0f);
  const auto bytes = static_cast<double>(flat.numel()) * sizeof(float);
  std::vector<float> raw(static_cast<std::size_t>(flat.numel()), 1.0f);

  train::GradientReducer fused(flat, *comm, 25u << 20, /*overlap=*/false);
  train::GradientReducer bucketed(flat, *comm, 1u << 20, /*overlap=*/false);
  const double t_raw = median_seconds(iters, [&] {
    MPI_Allreduce(MPI_IN_PLACE, raw.data(), static_cast<int>(raw.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  });
  const double t_fused = median_seconds(iters, [&] {
    fused.prepare();
    fused.finish();
  });
  const double t_bucketed = median_seconds(iters, [&] {
    bucketed.prepare();
    bucketed.finish();
  });
  const double t_tensor = median_seconds(iters, [&] {
    for (const auto& p : flat.parameters()) {
      MPI_Allreduce(MPI_IN_PLACE, p.mutable_grad().data_ptr(), static_cast<int>(p.numel()), MPI_FLOAT, MPI_SUM,
                    MPI_COMM_WORLD);
    }
  });
  // By size: one raw MPI_Allreduce against mnemo's mpi backend (node shared
  // memory for float sums of 1024 elements and more; MNEMO_SHM_SUM=0 off).
  // 16 KiB, the MLP, 1 MiB, ResNet-18, 16 MiB
  const std::vector<std::size_t> sizes = {4096, 89610, 262144, 1094750, 4194304};
  std::vector<std::pair<double, double>> by_size;
  for (std::size_t n : sizes) {
    std::vector<float> a(n, 1.0f), b(n, 1.0f);
    const double t_mpi = median_seconds(iters, [&] {
      MPI_Allreduce(MPI_IN_PLACE, a.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    });
    const double t_mnemo = median_seconds(iters, [&] { comm->allreduce_sum(b.data(), n, DType::kFloat32); });
    by_size.emplace_back(t_mpi, t_mnemo);
  }
  if (comm->rank() == 0) {
    std::printf("gradient sync of reduced ResNet-18 (%lld floats, %.2f MiB, %zu tensors) on %d ranks, %d iterations\n",
                static_cast<long long>(flat.numel()), bytes / (1 << 20), flat.parameters().size(),
                comm->world_size(), iters);
    auto row = [&](const char* name, double t, std::size_t calls) {
      std::printf("  %-28s %9.1f us  %8.2f GB/s (algorithm bandwidth)  %zu collective(s)\n", name, 1e6 * t,
                  bytes / t / 1e9, calls);
    };
    row("raw MPI_Allreduce", t_raw, 1);
    row("mnemo fused (25 MiB)", t_fused, fused.num_buckets());
    row("mnemo bucketed (1 MiB)", t_bucketed, bucketed.num_buckets());
    row("per-tensor MPI_Allreduce", t_tensor, flat.parameters().size());
    std::printf("ratio fused/raw bandwidth      %.2f  (target >= 0.9)\n", t_raw / t_fused);
    std::printf("ratio bucketed/raw bandwidth   %.2f\n", t_raw / t_bucketed);
    std::printf("speed-up fused vs per-tensor   %.2fx (target >= 3x)\n", t_tensor / t_fused);
    std::printf("one sum by size: raw MPI_Allreduce vs mnemo mpi backend\n");
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      std::printf("  %9.1f KiB  raw %8.1f us  mnemo %8.1f us  speed-up %.2fx\n", sizes[i] * 4.0 / 1024,
                  1e6 * by_size[i].first, 1e6 * by_size[i].second, by_size[i].first / by_size[i].second);
    }
  }
  return 0;
}
