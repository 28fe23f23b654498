// Implements: the prepare pipeline: load source, order classes, split, write.
#include "data/prepare.h"

#include <numeric>
#include <sstream>

#include "core/error.h"
#include "data/class_split.h"
#include "data/cifar_source.h"
#include "data/hdf5_source.h"
#include "data/idx_source.h"
#include "data/transforms.h"
#include "core/rng.h"

namespace mnemo::data {

namespace {

// The first n rows of a seeded shuffle of `in` (all rows when n is 0 or too large).
LabeledImages subsample(const LabeledImages& in, std::int64_t n, Rng rng) {
  if (n <= 0 || n >= in.count()) return in;
  std::vector<std::int64_t> rows(static_cast<std::size_t>(in.count()));
  std::iota(rows.begin(), rows.end(), 0);
  rng.shuffle(rows);
  LabeledImages out;
  out.image_shape = in.image_shape;
  const std::int64_t ss = in.sample_size();
  for (std::int64_t i = 0; i < n; ++i) {
    out.images.insert(out.images.end(), in.images.begin() + rows[i] * ss, in.images.begin() + (rows[i] + 1) * ss);
    out.labels.push_back(in.labels[rows[i]]);
  }
  return out;
}

}  // namespace

std::string prepare_stream(const PrepareOptions& o) {
  SourceDataset source;
  if (o.source == "idx") {
    source = load_idx_dataset(o.input, o.name, o.idx);
  } else if (o.source == "cifar10" || o.source == "cifar100") {
    source = load_cifar_dataset(o.input, o.source);
  } else if (o.source == "hdf5") {
    source = load_hdf5_dataset(o.input, o.name, o.hdf5_layout);
  } else if (o.source == "synthetic") {
    SyntheticOptions s = o.synthetic;
    s.seed = o.seed;
    source = make_synthetic(s);
  } else {
    throw UsageError(with_hint("unknown --source '" + o.source + "'", "use idx, cifar10, cifar100, hdf5 or synthetic"));
  }
  const auto order = seeded_class_order(source.num_classes, o.seed);
  source.provenance["seed"] = o.seed;
  StreamHeader h;
  h.dataset = source.name;
  h.scenario = o.scenario;
  h.num_tasks = o.tasks;
  h.num_classes = source.num_classes;
  h.image_shape = source.train.image_shape;
  h.class_order = order;
  h.seed = o.seed;
  h.provenance = source.provenance;
  h.val_fraction = o.val_fraction;
  std::ostringstream os;
  if (o.scenario == "class-incremental" || o.scenario == "task-incremental") {
    const auto tasks = split_classes(order, o.tasks, o.classes_per_task);
    write_stream(o.output, h,
                 [&](std::int64_t t) {
                   return TaskContent{tasks[t], select_classes(source.train, tasks[t]),
                                      select_classes(source.test, tasks[t]), {}, 0};
                 },
                 o.layout, o.overwrite);
    os << "prepared a " << o.scenario << " stream of " << o.tasks << " tasks x " << o.classes_per_task
       << " classes of " << source.name << " in " << o.output << "; class order";
    for (auto c : order) os << ' ' << c;
    return os.str();
  }
  if (o.scenario != "permuted" && o.scenario != "rotated") {
    throw UsageError(with_hint("unknown --scenario '" + o.scenario + "'",
                               "use class-incremental, task-incremental, permuted or rotated"));
  }
  if (o.tasks < 1) throw UsageError("--tasks must be at least 1");
  std::vector<std::int64_t> all(static_cast<std::size_t>(source.num_classes));
  std::iota(all.begin(), all.end(), 0);
  const std::int64_t hw = source.train.image_shape[1] * source.train.image_shape[2];
  write_stream(o.output, h,
               [&](std::int64_t t) {
                 const auto tt = static_cast<std::uint64_t>(t);
                 TaskContent task{all, subsample(source.train, o.samples_per_task, Rng::derive(o.seed, 0x5ab5, tt)),
                                  source.test, {}, 0};
                 if (o.scenario == "permuted") {
                   task.permutation.resize(static_cast<std::size_t>(hw));
                   std::iota(task.permutation.begin(), task.permutation.end(), 0);
                   Rng::derive(o.seed, 0x9e57, tt).shuffle(task.permutation);
                   task.train = permute_pixels(task.train, task.permutation);
                   task.test = permute_pixels(task.test, task.permutation);
                 } else {
                   task.angle_degrees = 180.0 * Rng::derive(o.seed, 0x2074, tt).uniform();
                   task.train = rotate(task.train, task.angle_degrees);
                   task.test = rotate(task.test, task.angle_degrees);
                 }
                 return task;
               },
               o.layout, o.overwrite);
  os << "prepared a " << o.scenario << " (domain-incremental) stream of " << o.tasks << " tasks of " << source.name
     << " in " << o.output;
  return os.str();
}

}  // namespace mnemo::data
