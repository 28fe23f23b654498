// Implements: `mnemo prepare`: a source dataset cut into a class-incremental
//   task stream and written as HDF5 shards.
#pragma once

#include <cstdint>
#include <string>

#include "data/idx_source.h"
#include "data/stream_writer.h"
#include "data/synthetic.h"

namespace mnemo::data {

struct PrepareOptions {
  std::string source = "idx";                                 ///< idx | cifar10 | cifar100 | hdf5 | synthetic
  std::string scenario = "class-incremental";  ///< class-incremental | task-incremental | permuted | rotated
  std::string hdf5_layout = "nhwc";            ///< hdf5 source: nhwc | nchw
  std::int64_t samples_per_task = 0;           ///< permuted/rotated: training samples per task (0: all)
  std::string input = "/usr/share/datasets/fashion-mnist";    ///< IDX or CIFAR directory, or HDF5 file
  std::string name = "fashion-mnist";                         ///< dataset name recorded in the stream
  std::string output = "streams/split-fashion-mnist";
  std::int64_t tasks = 5;
  std::int64_t classes_per_task = 2;
  std::uint64_t seed = 0;          ///< class order and within-task shuffles
  double val_fraction = 0;         ///< per task: training samples held out for validation
  bool overwrite = false;
  StreamLayout layout;
  IdxOptions idx;                  ///< idx source: file prefix (EMNIST) and transposition
  SyntheticOptions synthetic;
};

/// Prepares the stream; returns a one-line summary for the console.
std::string prepare_stream(const PrepareOptions& options);

}  // namespace mnemo::data
