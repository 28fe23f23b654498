// Implements: loading NumPy arrays as a source: an .npz archive (np.savez
//   or np.savez_compressed) or a directory of .npy files, holding x_train,
//   y_train, x_test, y_test (Keras' names). x: uint8 images (kept as uint8),
//   float16 (kept), or any other numeric type (float32; NaN/Inf refused,
//   naming the row), shaped [N, D] features, [N, H, W], [N, H, W, C] (or
//   [N, C, H, W] with --hdf5-layout nchw) images, or [N, ...]. y: integer
//   class ids >= 0 (floats holding whole numbers are accepted).
#pragma once

#include <string>

#include "data/prepare/dataset.h"

namespace mnemo::data {

SourceDataset load_numpy_dataset(const std::string& path, const std::string& name, const std::string& layout);

}  // namespace mnemo::data
