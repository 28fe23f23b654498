// Implements: loading a user's own HDF5 dataset file. It holds
//   train/images, train/labels, test/images, test/labels; images are uint8
//   (0-255) or float32 (0-1), shaped [N, H, W], [N, H, W, C] (layout nhwc,
//   the default) or [N, C, H, W] (layout nchw); labels are integers >= 0.
//   Float images are checked for NaN/Inf and range, then stored as uint8.
#pragma once

#include <string>

#include "data/prepare/dataset.h"

namespace mnemo::data {

SourceDataset load_hdf5_dataset(const std::string& path, const std::string& name, const std::string& layout);

}  // namespace mnemo::data
