// Implements: the synthetic dataset generator.
#include "data/prepare/synthetic.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace mnemo::data {

void SyntheticOptions::declare(OptionTable& t) {
  t.add("synthetic-classes", classes, "synthetic: number of classes").in_range(1, 1 << 16);
  t.add("synthetic-train-per-class", train_per_class, "synthetic: train samples per class").in_range(1, 1 << 24);
  t.add("synthetic-test-per-class", test_per_class, "synthetic: test samples per class").in_range(1, 1 << 24);
  t.add("synthetic-side", side, "synthetic: image side, pixels").in_range(1, 4096);
  t.add("synthetic-channels", channels, "synthetic: image channels (3 for CIFAR-sized images)").in_range(1, 64);
  t.add("synthetic-noise", noise, "synthetic: noise std-dev, pixel units").at_least(0).finite();
  t.add("synthetic-features", features, "synthetic: > 0 makes float32 feature vectors of this length (the same "
                                        "prototypes + noise, unclamped, in pixel units) instead of images")
      .in_range(0, 1 << 20);
}

namespace {

LabeledImages sample(const std::vector<std::vector<double>>& protos, std::int64_t per_class,
                     const std::vector<std::int64_t>& image_shape, SampleType type, double noise, Rng& rng) {
  LabeledImages out;
  out.type = type;
  out.image_shape = image_shape;
  const auto classes = static_cast<std::int64_t>(protos.size());
  for (std::int64_t i = 0; i < per_class; ++i) {
    for (std::int64_t c = 0; c < classes; ++c) {
      for (double p : protos[c]) {
        const double v = p + noise * rng.normal();
        if (type == SampleType::kUInt8) {
          out.images.push_back(static_cast<std::uint8_t>(std::clamp(v, 0.0, 255.0)));
        } else {
          const auto f = static_cast<float>(v);
          const auto* b = reinterpret_cast<const std::uint8_t*>(&f);
          out.images.insert(out.images.end(), b, b + sizeof(f));
        }
      }
      out.labels.push_back(c);
    }
  }
  return out;
}

}  // namespace

SourceDataset make_synthetic(const SyntheticOptions& o) {
  if (o.classes < 1 || o.train_per_class < 1 || o.test_per_class < 1 || o.side < 1 || o.channels < 1) {
    throw UsageError("synthetic dataset sizes (--synthetic-classes, --synthetic-train-per-class, "
                     "--synthetic-test-per-class, --synthetic-side, --synthetic-channels) must be at least 1");
  }
  const bool features = o.features > 0;
  const std::vector<std::int64_t> shape =
      features ? std::vector<std::int64_t>{o.features} : std::vector<std::int64_t>{o.channels, o.side, o.side};
  const SampleType type = features ? SampleType::kFloat32 : SampleType::kUInt8;
  const std::int64_t elements = features ? o.features : o.channels * o.side * o.side;
  Rng rng = Rng::derive(o.seed, /*purpose=*/0x5717);
  std::vector<std::vector<double>> protos(static_cast<std::size_t>(o.classes));
  for (auto& p : protos) {
    for (std::int64_t i = 0; i < elements; ++i) p.push_back(rng.uniform() < 0.5 ? 40.0 : 215.0);
  }
  SourceDataset ds;
  ds.name = "synthetic";
  ds.num_classes = o.classes;
  ds.train = sample(protos, o.train_per_class, shape, type, o.noise, rng);
  ds.test = sample(protos, o.test_per_class, shape, type, o.noise, rng);
  ds.provenance = {{"generator", "mnemo synthetic: class prototypes + gaussian noise"},
                   {"classes", o.classes},
                   {"train_per_class", o.train_per_class},
                   {"test_per_class", o.test_per_class},
                   {"channels", o.channels},
                   {"side", o.side},
                   {"noise", o.noise},
                   {"features", o.features},
                   {"seed", o.seed}};
  return ds;
}

}  // namespace mnemo::data
