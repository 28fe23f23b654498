// Implements: select_blas_kernels (see blas_kernels.h). OpenBLAS's
//   DYNAMIC_ARCH keeps the chosen kernel table in the exported pointer
//   `gotoblas` and fills it in gotoblas_dynamic_init(), which honours
//   OPENBLAS_CORETYPE; resetting the pointer and calling it again switches
//   the kernels. Everything is looked up with dlsym, so mnemo neither links
//   against OpenBLAS nor needs it.
#include "core/blas_kernels.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "core/env.h"

namespace mnemo {

namespace {

struct Level {
  const char* name;
  int level;
};

// OpenBLAS core names by the instruction set their sgemm kernels use.
constexpr Level kLevels[] = {{"SkylakeX", 3}, {"Cooperlake", 3}, {"SapphireRapids", 3}, {"Haswell", 2},
                             {"Zen", 2},      {"Sandybridge", 1}};
constexpr const char* kBest[] = {"", "Sandybridge", "Haswell", "SkylakeX"};

int level_of(const std::string& core) {
  for (const auto& l : kLevels) {
    if (core == l.name) return l.level;
  }
  return 0;
}

// What this CPU (and the OS, which must save the wider registers) supports.
int cpu_level() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl")) {
    return 3;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 2;
  if (__builtin_cpu_supports("avx")) return 1;
  return 0;
}

using Sgemm = void (*)(const char*, const char*, const int*, const int*, const int*, const float*, const float*,
                       const int*, const float*, const int*, const float*, float*, const int*);

// A small, odd-shaped C = A·B (column-major) against a double reference.
bool sgemm_agrees(Sgemm sgemm) {
  const int m = 37, n = 29, k = 53;
  std::vector<float> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(k * n)),
      c(static_cast<std::size_t>(m * n), 0.f);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>((i * 7919 % 211) / 105.0 - 1.0);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>((i * 104729 % 197) / 98.0 - 1.0);
  const float one = 1.f, zero = 0.f;
  sgemm("N", "N", &m, &n, &k, &one, a.data(), &m, b.data(), &k, &zero, c.data(), &m);
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < m; ++i) {
      double want = 0, scale = 0;
      for (int p = 0; p < k; ++p) {
        const double term = static_cast<double>(a[static_cast<std::size_t>(p * m + i)]) *
                            static_cast<double>(b[static_cast<std::size_t>(j * k + p)]);
        want += term;
        scale += std::fabs(term);
      }
      if (std::fabs(c[static_cast<std::size_t>(j * m + i)] - want) > 1e-5 * (scale + 1.0)) return false;
    }
  }
  return true;
}

BlasKernels choose() {
  BlasKernels out;
  using Text = char* (*)();
  const auto corename = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  const auto config = reinterpret_cast<Text>(dlsym(RTLD_DEFAULT, "openblas_get_config"));
  auto** table = static_cast<void**>(dlsym(RTLD_DEFAULT, "gotoblas"));
  const auto reinit = reinterpret_cast<void (*)()>(dlsym(RTLD_DEFAULT, "gotoblas_dynamic_init"));
  const auto sgemm = reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "sgemm_"));
  if (corename == nullptr) {
    out.reason = "not OpenBLAS: left as it is";
    return out;
  }
  out.library = config != nullptr ? config() : "OpenBLAS";
  out.detected = out.in_use = corename();
  if (table == nullptr || reinit == nullptr || sgemm == nullptr) {
    out.reason = "OpenBLAS without DYNAMIC_ARCH: its kernels are fixed at build time";
    return out;
  }
  if (!env::get(env::kOpenblasCoretype).empty()) {
    out.reason = "OPENBLAS_CORETYPE=" + env::get(env::kOpenblasCoretype) + " (set by you)";
    return out;
  }
  if (env::get(env::kBlas) == "keep") {
    out.reason = "MNEMO_BLAS=keep: the library's own choice";
    return out;
  }
  const int best = cpu_level();
  if (level_of(out.detected) >= best) {
    out.reason = "the library's choice, the best this CPU supports";
    return out;
  }
  // Switch: gotoblas_dynamic_init() returns at once unless the table is unset.
  ::setenv(env::kOpenblasCoretype, kBest[best], 1);  // also for the processes mnemo starts
  *table = nullptr;
  reinit();
  out.in_use = corename();
  if (out.in_use != kBest[best] || !sgemm_agrees(sgemm)) {
    *table = nullptr;
    ::setenv(env::kOpenblasCoretype, out.detected.c_str(), 1);
    reinit();
    const std::string tried = kBest[best];
    out.in_use = corename();
    out.reason = "tried " + tried + " (this CPU has its instructions) but its sgemm disagreed with a reference; "
                 "kept the library's choice";
    return out;
  }
  out.reason = "switched from " + out.detected + " (OpenBLAS's choice: it predates this CPU) to " + out.in_use +
               ", the best this CPU's instructions allow; MNEMO_BLAS=keep or OPENBLAS_CORETYPE overrides";
  return out;
}

}  // namespace

const BlasKernels& select_blas_kernels() {
  static const BlasKernels chosen = choose();
  return chosen;
}

}  // namespace mnemo
