// Implements: the non-inline parts of Rng.
#include "core/rng.h"

#include <cmath>

namespace mnemo {

double Rng::normal() {
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

}  // namespace mnemo
