// Implements: loading an IDX dataset directory (MNIST layout: train-images-
//   idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
//   t10k-labels-idx1-ubyte, each optionally .gz) into a SourceDataset.
#pragma once

#include <string>

#include "data/dataset.h"

namespace mnemo::data {

/// Reads and cross-checks the four IDX files in `dir`; provenance records
/// each file's path and SHA-256.
SourceDataset load_idx_dataset(const std::string& dir, const std::string& name);

}  // namespace mnemo::data
