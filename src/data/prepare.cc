// Implements: the prepare pipeline: load source, order classes, split, write.
#include "data/prepare.h"

#include <sstream>

#include "core/error.h"
#include "data/class_split.h"
#include "data/idx_source.h"

namespace mnemo::data {

std::string prepare_stream(const PrepareOptions& o) {
  SourceDataset source;
  if (o.source == "idx") {
    source = load_idx_dataset(o.input, o.name);
  } else if (o.source == "synthetic") {
    SyntheticOptions s = o.synthetic;
    s.seed = o.seed;
    source = make_synthetic(s);
  } else {
    throw UsageError(with_hint("unknown --source '" + o.source + "'", "use idx or synthetic"));
  }
  const auto order = seeded_class_order(source.num_classes, o.seed);
  const auto tasks = split_classes(order, o.tasks, o.classes_per_task);
  source.provenance["seed"] = o.seed;
  write_class_incremental_stream(o.output, source, tasks, order, o.seed, o.layout, o.overwrite);
  std::ostringstream os;
  os << "prepared " << o.tasks << " tasks x " << o.classes_per_task << " classes of " << source.name << " ("
     << source.train.count() << " train / " << source.test.count() << " test images) in " << o.output
     << "; class order";
  for (auto c : order) os << ' ' << c;
  return os.str();
}

}  // namespace mnemo::data
