// A mnemo command with one more strategy and one more model, without
// forking mnemo: register them by name, then hand over to mnemo's main.
//   my_mnemo train --strategy label-smoothing --model tiny-mlp ...
#include <mnemo/cli/run_main.h>
#include <mnemo/model/model.h>
#include <mnemo/strategies/strategy.h>

namespace {

// The strategy's own options, declared once: they appear in `train --help`,
// YAML configs, config.json and checkpoints like the built-ins'.
struct SmoothingOptions {
  double eps = 0.1;
  void declare(mnemo::OptionTable& table) {
    table.add("smoothing", eps, "label-smoothing: share of the target spread over all classes").in_range(0, 1);
  }
};

// Fine-tuning with label smoothing: the target puts 1 - eps on the label
// and eps spread over all classes.
class LabelSmoothing : public mnemo::strategies::Strategy {
 public:
  LabelSmoothing(const SmoothingOptions& options, const mnemo::strategies::StrategyContext& context)
      : options_(options), context_(context) {}
  std::vector<mnemo::strategies::LossTerm> loss(const mnemo::strategies::Batch& batch) override {
    if (batch.size() == 0) return {};
    const double eps = options_.eps;
    const torch::Tensor log_p = torch::log_softmax(context_.model->forward(batch.x), /*dim=*/1);
    const torch::Tensor nll = -log_p.gather(1, batch.y.unsqueeze(1)).squeeze(1);
    const torch::Tensor uniform = -log_p.mean(/*dim=*/1);
    // A sum of per-sample losses and its sample count: mnemo averages globally.
    return {{((1 - eps) * nll + eps * uniform).sum(), batch.size(), 1.0}};
  }

 private:
  SmoothingOptions options_;
  mnemo::strategies::StrategyContext context_;
};

// The model's own options, declared the same way.
struct TinyMlpOptions {
  std::int64_t width = 32;
  void declare(mnemo::OptionTable& table) {
    table.add("tiny-width", width, "tiny-mlp: hidden layer width").in_range(1, 1 << 16);
  }
};

class TinyMlpImpl : public mnemo::model::ModelImpl {
 public:
  TinyMlpImpl(std::int64_t in, std::int64_t width, std::int64_t classes)
      : hidden_(register_module("hidden", torch::nn::Linear(in, width))),
        head_(register_module("head", torch::nn::Linear(width, classes))) {}
  torch::Tensor forward(torch::Tensor x) override {
    return head_->forward(torch::relu(hidden_->forward(x.flatten(/*start_dim=*/1))));
  }

 private:
  torch::nn::Linear hidden_, head_;
};

}  // namespace

int main(int argc, char** argv) {
  mnemo::strategies::register_strategy_options<SmoothingOptions>();
  mnemo::strategies::register_strategy(
      "label-smoothing", [](const mnemo::strategies::StrategyOptions& o, const mnemo::strategies::StrategyContext& c) {
        return std::make_unique<LabelSmoothing>(o.params<SmoothingOptions>(), c);
      });
  mnemo::model::register_model_options<TinyMlpOptions>();
  mnemo::model::register_model("tiny-mlp", [](const mnemo::model::ModelOptions& o) -> mnemo::model::Model {
    return std::make_shared<TinyMlpImpl>(o.input_shape[0] * o.input_shape[1] * o.input_shape[2],
                                         o.params<TinyMlpOptions>().width, o.num_classes);
  });
  return mnemo::cli::run_main(argc, argv);
}
