// Implements: a small synthetic image dataset for tests and smoke runs.
//   Class c has a fixed random prototype image; samples are the prototype
//   plus Gaussian noise, so the classes are learnable but not trivially.
#pragma once

#include <cstdint>

#include "core/options.h"
#include "data/prepare/dataset.h"

namespace mnemo::data {

struct SyntheticOptions {
  std::int64_t classes = 6;
  std::int64_t train_per_class = 200;
  std::int64_t test_per_class = 50;
  std::int64_t channels = 1;    ///< images are channels x side x side
  std::int64_t side = 8;
  double noise = 40.0;          ///< noise std-dev, in pixel units (0-255)
  std::int64_t features = 0;    ///< > 0: float32 feature vectors [features] instead of images
  std::uint64_t seed = 0;          ///< not an option: prepare's --seed
  void declare(OptionTable& table);  ///< --synthetic-*
};

SourceDataset make_synthetic(const SyntheticOptions& options);

}  // namespace mnemo::data
