// Tests: the BLAS kernel choice. After select_blas_kernels() (as main does
//   it, before any BLAS call of this process), LibTorch's matrix products
//   still agree with a double-precision reference, and the kernels in use
//   are never less capable than the ones OpenBLAS chose itself.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "core/blas_kernels.h"

namespace mnemo {
namespace {

TEST(BlasKernels, ProductsStayExactAfterTheChoice) {
  const BlasKernels& k = select_blas_kernels();
  ASSERT_FALSE(k.reason.empty());
  if (!k.library.empty()) {
    EXPECT_FALSE(k.in_use.empty());
    EXPECT_FALSE(k.detected.empty());
  }
  torch::manual_seed(0);
  for (const auto& [m, n, p] : {std::tuple{7, 13, 5}, std::tuple{128, 784, 100}, std::tuple{300, 100, 100}}) {
    const torch::Tensor a = torch::randn({m, n}), b = torch::randn({n, p});
    const torch::Tensor got = torch::mm(a, b).to(torch::kFloat64);
    const torch::Tensor want = torch::mm(a.to(torch::kFloat64), b.to(torch::kFloat64));
    EXPECT_LT((got - want).abs().max().item<double>(), 1e-3) << m << "x" << n << "x" << p << " on " << k.in_use;
  }
}

}  // namespace
}  // namespace mnemo
