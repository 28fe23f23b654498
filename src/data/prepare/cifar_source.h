// Implements: loading CIFAR-10 and CIFAR-100 binary batches.
//   CIFAR-10:  data_batch_1..5.bin + test_batch.bin, records of 1 label byte
//              + 3072 pixel bytes (3x32x32, channel-major).
//   CIFAR-100: train.bin + test.bin, records of 2 label bytes (coarse, fine)
//              + 3072 pixel bytes; the fine label is used.
#pragma once

#include <string>

#include "data/prepare/dataset.h"

namespace mnemo::data {

/// `variant`: "cifar10" or "cifar100". InputError naming the file for a
/// missing file, a size that is not a whole number of records, or a label
/// out of range.
SourceDataset load_cifar_dataset(const std::string& dir, const std::string& variant);

}  // namespace mnemo::data
