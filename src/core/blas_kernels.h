// Implements: the BLAS kernel choice. Debian's OpenBLAS (DYNAMIC_ARCH)
//   picks its kernels from the CPU's model number, so a CPU newer than the
//   library gets its oldest ones: 0.3.21 runs a 2023 Xeon with AVX-512 on
//   the SSE3 "Prescott" kernels, 6x slower. At start, before any BLAS call,
//   mnemo reads the CPU's features (CPUID: AVX-512, AVX2+FMA, AVX) and, when
//   the library chose a lesser kernel set, switches it to the best one the
//   features allow (SkylakeX, Haswell, Sandybridge) in place. It then
//   checks a small sgemm against a double-precision reference and switches
//   back, with a warning, if it disagrees.
//   OPENBLAS_CORETYPE (the user's choice) or MNEMO_BLAS=keep turn this off.
//   Another BLAS, or an OpenBLAS without DYNAMIC_ARCH, is left as it is.
#pragma once

#include <string>

namespace mnemo {

struct BlasKernels {
  std::string library;   ///< "OpenBLAS" (its config line), or "" when not OpenBLAS
  std::string detected;  ///< the kernels the library chose itself ("Prescott")
  std::string in_use;    ///< the kernels now
  std::string reason;    ///< one line: why these kernels
};

/// Chooses once (the first call; later calls return the same). Call first
/// in main, before any BLAS call and before threads start.
const BlasKernels& select_blas_kernels();

}  // namespace mnemo
