// Implements: the prepare pipeline: load source, order classes, split, write.
#include "data/prepare/prepare.h"

#include <numeric>
#include <sstream>

#include "core/error.h"
#include "data/prepare/class_split.h"
#include "data/prepare/cifar_source.h"
#include "data/prepare/hdf5_source.h"
#include "data/prepare/idx_source.h"
#include "data/prepare/transforms.h"
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
  out.type = in.type;
  out.image_shape = in.image_shape;
  const std::int64_t ss = in.sample_size();
  for (std::int64_t i = 0; i < n; ++i) {
    out.images.insert(out.images.end(), in.images.begin() + rows[i] * ss, in.images.begin() + (rows[i] + 1) * ss);
    out.labels.push_back(in.labels[rows[i]]);
  }
  return out;
}

}  // namespace

const char* scenario_name(Scenario scenario) {
  switch (scenario) {
    case Scenario::kClassIncremental: return "class-incremental";
    case Scenario::kTaskIncremental: return "task-incremental";
    case Scenario::kPermuted: return "permuted";
    case Scenario::kRotated: return "rotated";
  }
  return "?";
}

void PrepareOptions::declare(OptionTable& t) {
  t.add_choice("source", source,
               {{"idx", Source::kIdx}, {"cifar10", Source::kCifar10}, {"cifar100", Source::kCifar100},
                {"hdf5", Source::kHdf5}, {"synthetic", Source::kSynthetic}},
               "Dataset source");
  t.add("input", input, "IDX or CIFAR-binary directory, or the HDF5 file (train/ and test/ images, labels)");
  t.add_choice("scenario", scenario,
               {{scenario_name(Scenario::kClassIncremental), Scenario::kClassIncremental},
                {scenario_name(Scenario::kTaskIncremental), Scenario::kTaskIncremental},
                {scenario_name(Scenario::kPermuted), Scenario::kPermuted},
                {scenario_name(Scenario::kRotated), Scenario::kRotated}},
               "class-/task-incremental split the classes into tasks; permuted and rotated are "
               "domain-incremental (every class in every task)");
  t.add("samples-per-task", samples_per_task, "permuted/rotated: training samples per task (0: all)").at_least(0);
  t.add("hdf5-layout", hdf5_layout, "hdf5 source: image layout nhwc | nchw ([N, H, W] also accepted)")
      .check([this] { return hdf5_layout == "nhwc" || hdf5_layout == "nchw" ? "" : "must be nhwc or nchw"; });
  idx.declare(t);
  t.add("name", name, "Dataset name recorded in the stream");
  t.add("output", output, "Stream directory to write");
  t.add("tasks", tasks, "Number of tasks").at_least(1);
  t.add("classes-per-task", classes_per_task, "Classes per task (class-incremental split)").at_least(1);
  t.add("seed", seed, "Seed of the class order and within-task shuffles");
  t.add("val-fraction", val_fraction, "Hold out this fraction of each task's training samples as its validation "
                                      "split (train with --eval-split val)")
      .check([this] { return val_fraction >= 0 && val_fraction < 1 ? "" : "must be in [0, 1)"; });
  layout.declare(t);
  t.add("overwrite", overwrite, "Replace an existing output directory");
  synthetic.declare(t);
}

std::string prepare_stream(const PrepareOptions& o) {
  SourceDataset source;
  switch (o.source) {
    case Source::kIdx: source = load_idx_dataset(o.input, o.name, o.idx); break;
    case Source::kCifar10: source = load_cifar_dataset(o.input, "cifar10"); break;
    case Source::kCifar100: source = load_cifar_dataset(o.input, "cifar100"); break;
    case Source::kHdf5: source = load_hdf5_dataset(o.input, o.name, o.hdf5_layout); break;
    case Source::kSynthetic: {
      SyntheticOptions s = o.synthetic;
      s.seed = o.seed;
      source = make_synthetic(s);
      break;
    }
  }
  const auto order = seeded_class_order(source.num_classes, o.seed);
  source.provenance["seed"] = o.seed;
  StreamHeader h;
  h.dataset = source.name;
  h.scenario = scenario_name(o.scenario);
  h.num_tasks = o.tasks;
  h.num_classes = source.num_classes;
  h.sample.type = source.train.type;
  h.sample.shape = source.train.image_shape;
  h.class_order = order;
  h.seed = o.seed;
  h.provenance = source.provenance;
  h.val_fraction = o.val_fraction;
  std::ostringstream os;
  if (o.scenario == Scenario::kClassIncremental || o.scenario == Scenario::kTaskIncremental) {
    const auto tasks = split_classes(order, o.tasks, o.classes_per_task);
    write_stream(o.output, h,
                 [&](std::int64_t t) {
                   return TaskContent{tasks[t], select_classes(source.train, tasks[t]),
                                      select_classes(source.test, tasks[t]), {}, 0};
                 },
                 o.layout, o.overwrite);
    os << "prepared a " << scenario_name(o.scenario) << " stream of " << o.tasks << " tasks x " << o.classes_per_task
       << " classes of " << source.name << " in " << o.output << "; class order";
    for (auto c : order) os << ' ' << c;
    return os.str();
  }
  std::vector<std::int64_t> all(static_cast<std::size_t>(source.num_classes));
  std::iota(all.begin(), all.end(), 0);
  const std::int64_t hw = permuted_positions(source.train);
  write_stream(o.output, h,
               [&](std::int64_t t) {
                 const auto tt = static_cast<std::uint64_t>(t);
                 TaskContent task{all, subsample(source.train, o.samples_per_task, Rng::derive(o.seed, 0x5ab5, tt)),
                                  source.test, {}, 0};
                 if (o.scenario == Scenario::kPermuted) {
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
  os << "prepared a " << scenario_name(o.scenario) << " (domain-incremental) stream of " << o.tasks << " tasks of " << source.name
     << " in " << o.output;
  return os.str();
}

}  // namespace mnemo::data
