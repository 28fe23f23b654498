// Implements: the prepare pipeline: load source, order classes, split, write.
#include "data/prepare/prepare.h"

#include <filesystem>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "data/prepare/class_split.h"
#include "data/prepare/cifar_source.h"
#include "data/prepare/hdf5_source.h"
#include "data/prepare/idx_source.h"
#include "data/prepare/numpy_source.h"
#include "data/prepare/sample_convert.h"
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
    case Scenario::kTimeOrdered: return "time-ordered";
  }
  return "?";
}

void PrepareOptions::declare(OptionTable& t) {
  t.add_choice("source", source,
               {{"idx", Source::kIdx}, {"cifar10", Source::kCifar10}, {"cifar100", Source::kCifar100},
                {"hdf5", Source::kHdf5}, {"numpy", Source::kNumpy}, {"csv", Source::kCsv},
                {"synthetic", Source::kSynthetic}},
               "Dataset source");
  t.add("input", input, "IDX or CIFAR-binary directory; the HDF5 file (train/ and test/ images, labels); the .npz "
                        "file or .npy directory (x_train, y_train, x_test, y_test); or the CSV file");
  t.add_choice("scenario", scenario,
               {{scenario_name(Scenario::kClassIncremental), Scenario::kClassIncremental},
                {scenario_name(Scenario::kTaskIncremental), Scenario::kTaskIncremental},
                {scenario_name(Scenario::kPermuted), Scenario::kPermuted},
                {scenario_name(Scenario::kRotated), Scenario::kRotated},
                {scenario_name(Scenario::kTimeOrdered), Scenario::kTimeOrdered}},
               "class-/task-incremental split the classes into tasks; permuted and rotated are "
               "domain-incremental (every class in every task); time-ordered cuts the source by time "
               "(--split-by) into tasks that keep whatever classes their rows have (drift)");
  t.add_choice("split-by", split_by,
               {{"auto", TimeSplit::kAuto}, {"task", TimeSplit::kTask}, {"time", TimeSplit::kTime},
                {"rows", TimeSplit::kRows}},
               "time-ordered: one task per value of --csv-task (task), --tasks equal windows of --csv-time "
               "(time) or of rows in the source's order (rows); auto: the first the source has");
  t.add_choice("dtype", dtype,
               {{"auto", DtypeChoice::kAuto}, {"uint8", DtypeChoice::kUInt8}, {"float16", DtypeChoice::kFloat16},
                {"float32", DtypeChoice::kFloat32}},
               "Element type the stream stores: auto keeps the source's (uint8 images, float16, else float32); "
               "uint8 from floats needs values in [0, 1]");
  t.add_choice("normalize", normalize,
               {{"auto", Normalize::kAuto}, {"none", Normalize::kNone}, {"first-task", Normalize::kFirstTask},
                {"all-tasks", Normalize::kAllTasks}},
               "Per-channel/per-feature mean and std stored in the stream and applied to every batch, from the "
               "training rows of the first task (no peeking at later tasks) or of all tasks; auto: first-task "
               "for float samples, none for 8-bit images");
  csv.declare(t);
  t.add("samples-per-task", samples_per_task,
        "Training samples per task, a seeded subset of the task's rows (0: all); not with time-ordered")
      .at_least(0);
  t.add("class-order", class_order,
        "class-/task-incremental: the class order to cut into tasks, e.g. 0,1,2,3,4,5,6,7,8,9 (a published "
        "protocol's); distinct class ids, at least tasks x classes-per-task of them (default: seeded by --seed)");
  t.add("hdf5-layout", hdf5_layout, "hdf5 source: image layout nhwc | nchw ([N, H, W] also accepted)")
      .check([this] { return hdf5_layout == "nhwc" || hdf5_layout == "nchw" ? "" : "must be nhwc or nchw"; });
  idx.declare(t);
  t.add("name", name, "Dataset name recorded in the stream (default: the --input file's or directory's name)");
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

namespace {

// --name, or the input's file name without its extension (a directory's own
// name: "fashion-mnist" for Debian's Fashion-MNIST).
std::string dataset_name(const PrepareOptions& o) {
  if (!o.name.empty()) return o.name;
  std::filesystem::path p(o.input);
  if (!p.has_filename()) p = p.parent_path();
  const std::string stem = p.stem().string();
  return stem.empty() ? "dataset" : stem;
}

}  // namespace

std::string prepare_stream(const PrepareOptions& o) {
  const bool splits_classes = o.scenario == Scenario::kClassIncremental || o.scenario == Scenario::kTaskIncremental;
  if (!o.class_order.empty() && !splits_classes) {
    throw UsageError(with_hint("--class-order applies to the class- and task-incremental scenarios, not " +
                                   std::string(scenario_name(o.scenario)),
                               "drop --class-order: every task of this scenario has every class"));
  }
  if (!o.class_order.empty() && static_cast<std::int64_t>(o.class_order.size()) < o.tasks * o.classes_per_task) {
    throw UsageError(with_hint("--class-order lists " + std::to_string(o.class_order.size()) + " classes, but " +
                                   std::to_string(o.tasks) + " tasks x " + std::to_string(o.classes_per_task) +
                                   " classes need " + std::to_string(o.tasks * o.classes_per_task),
                               "list every class the tasks use, in order"));
  }
  if (o.scenario == Scenario::kTimeOrdered && o.samples_per_task > 0) {
    throw UsageError(with_hint("--samples-per-task does not apply to the time-ordered scenario",
                               "its tasks are the source's time windows: cut the source instead"));
  }
  SourceDataset source;
  const std::string name = dataset_name(o);
  switch (o.source) {
    case Source::kIdx: source = load_idx_dataset(o.input, name, o.idx); break;
    case Source::kCifar10: source = load_cifar_dataset(o.input, "cifar10"); break;
    case Source::kCifar100: source = load_cifar_dataset(o.input, "cifar100"); break;
    case Source::kHdf5: source = load_hdf5_dataset(o.input, name, o.hdf5_layout); break;
    case Source::kNumpy: source = load_numpy_dataset(o.input, name, o.hdf5_layout); break;
    case Source::kCsv: source = load_csv_dataset(o.input, name, o.csv, o.seed); break;
    case Source::kSynthetic: {
      SyntheticOptions s = o.synthetic;
      s.seed = o.seed;
      source = make_synthetic(s);
      break;
    }
  }
  if (o.dtype != DtypeChoice::kAuto) {
    const SampleType to = o.dtype == DtypeChoice::kUInt8     ? SampleType::kUInt8
                          : o.dtype == DtypeChoice::kFloat16 ? SampleType::kFloat16
                                                             : SampleType::kFloat32;
    source.train = convert_samples(source.train, to, o.input + " (training rows)");
    source.test = convert_samples(source.test, to, o.input + " (test rows)");
  }
  const auto order =
      o.class_order.empty()
          ? seeded_class_order(source.num_classes, o.seed)
          : explicit_class_order(o.class_order, source.num_classes,
                                 o.source == Source::kSynthetic ? "the synthetic dataset" : o.input);
  source.provenance["seed"] = o.seed;
  if (!o.class_order.empty()) source.provenance["class_order_given"] = o.class_order;
  if (o.samples_per_task > 0) source.provenance["samples_per_task"] = o.samples_per_task;
  StreamHeader h;
  h.dataset = source.name;
  h.scenario = scenario_name(o.scenario);
  h.num_tasks = o.tasks;
  h.num_classes = source.num_classes;
  h.sample.type = source.train.type;
  h.sample.shape = source.train.image_shape;
  const bool floats = source.train.type != SampleType::kUInt8;
  h.sample.norm_source = o.normalize == Normalize::kFirstTask || (o.normalize == Normalize::kAuto && floats)
                             ? "first-task"
                         : o.normalize == Normalize::kAllTasks ? "all-tasks"
                                                               : "";
  h.class_order = order;
  h.seed = o.seed;
  h.provenance = source.provenance;
  h.val_fraction = o.val_fraction;
  std::ostringstream os;
  if (splits_classes) {
    const auto tasks = split_classes(order, o.tasks, o.classes_per_task);
    write_stream(o.output, h,
                 [&](std::int64_t t) {
                   return TaskContent{tasks[t],
                                      subsample(select_classes(source.train, tasks[t]), o.samples_per_task,
                                                Rng::derive(o.seed, 0x5ab5, static_cast<std::uint64_t>(t))),
                                      select_classes(source.test, tasks[t]), {}, 0};
                 },
                 o.layout, o.overwrite);
    os << "prepared a " << scenario_name(o.scenario) << " stream of " << o.tasks << " tasks x " << o.classes_per_task
       << " classes of " << source.name << " in " << o.output << "; class order";
    for (auto c : order) os << ' ' << c;
    return os.str();
  }
  if (o.scenario == Scenario::kTimeOrdered) {
    const TimeWindows windows = split_by_time(source, o.split_by, o.tasks);
    h.num_tasks = static_cast<std::int64_t>(windows.train.size());
    h.provenance["time_split"] = windows.describe;
    write_stream(o.output, h,
                 [&](std::int64_t t) {
                   const auto k = static_cast<std::size_t>(t);
                   return TaskContent{windows.classes[k], windows.train[k], windows.test[k], {}, 0};
                 },
                 o.layout, o.overwrite);
    os << "prepared a time-ordered (drifting) stream of " << h.num_tasks << " tasks of " << source.name << " in "
       << o.output << ", " << windows.describe;
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
