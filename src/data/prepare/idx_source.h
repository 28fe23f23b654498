// Implements: loading an IDX dataset directory into a SourceDataset.
//   MNIST, Fashion-MNIST and KMNIST name their files train-images-idx3-ubyte,
//   train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte
//   (each optionally .gz). EMNIST prefixes them with its split and says
//   "test" (emnist-balanced-test-images-idx3-ubyte.gz) and stores each image
//   transposed. Labels that do not run 0..K-1 (EMNIST letters: 1..26) are
//   renumbered in increasing order; the provenance keeps the original ones.
#pragma once

#include <string>

#include "core/options.h"
#include "data/prepare/dataset.h"

namespace mnemo::data {

struct IdxOptions {
  /// File-name prefix, e.g. "emnist-balanced-"; "auto": the only prefix in
  /// the directory that has a training image file ("" for MNIST names).
  std::string prefix = "auto";
  /// Transpose each image (EMNIST's storage): auto | yes | no; auto: yes for
  /// prefixes starting with "emnist".
  std::string transpose = "auto";
  void declare(OptionTable& table);  ///< --idx-prefix, --idx-transpose
};

/// Reads and cross-checks the four IDX files in `dir`; provenance records
/// each file's path and SHA-256.
SourceDataset load_idx_dataset(const std::string& dir, const std::string& name, const IdxOptions& options = {});

}  // namespace mnemo::data
