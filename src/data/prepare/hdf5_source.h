// Implements: loading a user's own HDF5 dataset file. It holds
//   train/images, train/labels, test/images, test/labels (the "images" may
//   be any samples); labels are integers >= 0. Samples are
//   - uint8 images (0-255): [N, H, W], [N, H, W, C] (layout nhwc, the
//     default) or [N, C, H, W] (layout nchw), kept as uint8;
//   - float16: kept as float16; float32/float64 or integers other than
//     uint8: float32 (no range is required; NaN and Inf are refused, naming
//     the row), of any shape: [N, D] feature vectors, images as above, or
//     [N, ...] as stored.
#pragma once

#include <string>

#include "data/prepare/dataset.h"

namespace mnemo::data {

SourceDataset load_hdf5_dataset(const std::string& path, const std::string& name, const std::string& layout);

}  // namespace mnemo::data
