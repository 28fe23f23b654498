// Implements: the model registry.
#include <algorithm>
#include <filesystem>
#include <map>
#include <sstream>

#include "core/error.h"
#include "model/cnn.h"
#include "model/mlp.h"
#include "model/growing_head.h"
#include "model/packnet.h"
#include "model/progressive.h"
#include "model/model.h"
#include "model/resnet.h"
#include "model/torchscript.h"

namespace mnemo::model {
namespace {
// The last non-empty line: TorchScript puts the cause after its traceback.
std::string last_line(const std::string& text) {
  std::string last, line;
  std::stringstream in(text);
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t") != std::string::npos) last = line.substr(line.find_first_not_of(" \t"));
  }
  return last;
}

std::map<std::string, ModelFactory>& registry() {
  // Built-ins are listed here, not self-registered: a static library would
  // drop an object file that nothing references.
  static std::map<std::string, ModelFactory> r = {
      {"mlp", make_mlp}, {"cnn", make_small_cnn}, {"resnet18", make_reduced_resnet18}, {"pnn", make_progressive}, {"packnet", make_packnet}};
  return r;
}
// The registered options structs of models added outside mnemo.
std::vector<std::unique_ptr<OptionGroup>>& option_prototypes() {
  static std::vector<std::unique_ptr<OptionGroup>> p;
  return p;
}

}  // namespace

ModelOptions::ModelOptions() : params_(option_prototypes()) {}

bool register_model_options(std::unique_ptr<OptionGroup> defaults) {
  return OptionGroups::add_prototype(option_prototypes(), std::move(defaults));
}

bool register_model(const std::string& name, ModelFactory factory) {
  registry()[name] = std::move(factory);
  return true;
}

std::vector<std::string> model_names() {
  std::vector<std::string> out;
  for (const auto& [name, _] : registry()) out.push_back(name);
  return out;
}

torch::Tensor ModelImpl::features(torch::Tensor) {
  throw UsageError(with_hint("model '" + name() + "' exposes no feature layer",
                             "use --model mlp, cnn or resnet18, or override ModelImpl::features"));
}

bool ModelImpl::samples_independent() const {
  for (const auto& m : modules(/*include_self=*/false)) {
    if (m->name().find("BatchNorm") != std::string::npos) return false;
  }
  return true;
}

void ModelOptions::declare(OptionTable& t) {
  std::string known;
  for (const auto& n : model_names()) known += (known.empty() ? "" : " | ") + n;
  t.add("model", name,
        "Model: " + known +
            " (resnet18: the reduced ResNet-18 of GEM/DER, nf=20; pnn: progressive networks, a column of --hidden "
            "per task; packnet: the MLP, pruned into per-task weights; both task-IL), or a TorchScript file (FILE.pt, saved with "
            "torch.jit.save) whose forward maps float [N, C, H, W] in [0, 1] to logits [N, classes]")
      .check([this] {
        const auto names = model_names();
        if (std::find(names.begin(), names.end(), name) != names.end()) return "";
        if (!is_torchscript_path(name)) return "names no registered model (nor a .pt file)";
        std::error_code ec;
        if (std::filesystem::is_directory(name, ec)) return "is a directory, not a TorchScript file";
        return std::filesystem::exists(name, ec) ? "" : "names a TorchScript file that does not exist";
      });
  t.add("growing-head", growing_head,
        "Built-in models, and TorchScript models with a features method: start the classifier with the first task's "
        "classes and add outputs as "
        "new classes arrive (Avalanche's incremental classifier; a head per task on task-incremental streams). New "
        "outputs follow --weight-init; old ones keep their weights");
  t.add("packnet-prune", packnet_prune,
        "packnet: fraction of each task's free weights pruned after training it (smallest |w| per layer), left free "
        "for later tasks; the rest are the task's")
      .in_range(0, 1);
  t.add("packnet-retrain", packnet_retrain,
        "packnet: fraction of each task's steps, at its end, that retrain the weights it kept after the pruning")
      .in_range(0, 0.99);
  t.add("hidden", hidden, "MLP hidden layer widths").at_least(1).check([this] {
    return hidden.empty() || hidden.size() > 16 ? "must list 1 to 16 widths" : "";
  });
  t.add_choice("kernels", kernels, {{"fused", Kernels::kFused}, {"autograd", Kernels::kAutograd}},
               "fused: train the MLP on CPU through one hand-fused autograd node (same math, fewer operators); "
               "autograd: plain LibTorch layers");
  t.add_choice("head", head, {{"auto", Head::kAuto}, {"single", Head::kSingle}, {"per-task", Head::kPerTask}},
               "single: one head over all classes (class-IL); per-task: one head per task, each sample's loss over "
               "its task's classes (task-IL); auto: per-task for task-incremental streams, else single");
  t.add_choice("weight-init", weight_init, {{"torch", WeightInit::kTorch}, {"xavier", WeightInit::kXavier}},
               "Initialisation of the built-in models' linear layers: torch (LibTorch's default, "
               "U(+-1/sqrt(fan_in)) weights and biases) or xavier (Xavier-uniform weights, zero biases: the DER "
               "authors' Mammoth MLP); convolutions keep LibTorch's");
  t.add("init", init,
        "Start from these weights: a state dict (an export's state_dict.pt, or torch.save of a plain dict), a "
        "TorchScript file, or an export directory (RUN/model/final); names and shapes must match the model")
      .check([this] {
        std::error_code ec;
        return init.empty() || std::filesystem::exists(init, ec) ? "" : "names no file or directory";
      });
  t.add("init-skip", init_skip,
        "Comma-separated module names --init leaves freshly initialised, e.g. 'head' (resnet18, cnn) or "
        "'layers.4' (the default MLP's last layer): a new head for new classes")
      .check([this] { return init_skip.empty() || !init.empty() ? "" : "needs --init"; });
  params_.declare(t);
}

std::vector<std::string> ModelOptions::init_skip_list() const {
  std::vector<std::string> out;
  std::stringstream in(init_skip);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Mammoth's xavier(): every Linear's weight U(-a, a), a = sqrt(3) * sqrt(2 / (fan_in + fan_out)); bias 0.
void init_linear_layers(torch::nn::Module& model, WeightInit init) {
  if (init != WeightInit::kXavier) return;
  torch::NoGradGuard no_grad;
  for (const auto& m : model.modules(/*include_self=*/true)) {
    if (auto* linear = m->as<torch::nn::Linear>()) {
      torch::nn::init::xavier_uniform_(linear->weight);
      if (linear->bias.defined()) linear->bias.zero_();
    }
  }
}

Model make_model(const ModelOptions& options) {
  if (is_torchscript_path(options.name) && registry().count(options.name) == 0) {
    if (options.weight_init != WeightInit::kTorch) {
      throw UsageError(with_hint("--weight-init xavier applies to the built-in models, not to the TorchScript model " +
                                     options.name,
                                 "initialise it in Python before torch.jit.save, or drop --weight-init"));
    }
    if (options.growing_head) {  // its features() feed the growing head; its own head stays unused
      return make_growing_head(options, [](const ModelOptions& o) { return std::make_shared<ScriptedModel>(o.name); });
    }
    return std::make_shared<ScriptedModel>(options.name);
  }
  auto it = registry().find(options.name);
  if (it == registry().end()) {
    std::string known;
    for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
    throw UsageError(with_hint("unknown model '" + options.name + "'", "use one of: " + known));
  }
  if (options.growing_head) {
    if (options.name == "pnn" || options.name == "packnet") {
      throw UsageError(with_hint("--growing-head cannot be combined with --model " + options.name +
                                     ", which has a head per task already",
                                 "drop --growing-head"));
    }
    return make_growing_head(options, it->second);
  }
  Model model = it->second(options);
  init_linear_layers(*model, options.weight_init);
  return model;
}

void check_model_output(ModelImpl& model, const ModelOptions& options, const std::string& stream) {
  std::vector<std::int64_t> shape = {2};
  shape.insert(shape.end(), options.input_shape.begin(), options.input_shape.end());
  auto text = [](const std::vector<std::int64_t>& v) {
    std::ostringstream out;
    out << "[";
    for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << v[i];
    return out.str() + "]";
  };
  const std::string what = "--model " + options.name + " on stream " + stream + " (input " + text(shape) + ", " +
                           std::to_string(options.num_classes) + " classes)";
  const torch::Device device = model.parameters().empty() ? torch::kCPU : model.parameters()[0].device();
  torch::Tensor out;
  const bool training = model.is_training();
  {
    torch::NoGradGuard no_grad;
    model.eval();
    try {
      out = model.forward(torch::zeros(shape, torch::TensorOptions().device(device)));
    } catch (const Error&) {
      model.train(training);
      throw;
    } catch (const c10::Error& e) {  // what() would end with a C++ backtrace
      model.train(training);
      throw UsageError(with_hint(what + ": forward failed: " + last_line(e.what_without_backtrace()),
                                 "the model must take float input of the stream's sample shape"));
    } catch (const std::exception& e) {
      model.train(training);
      throw UsageError(with_hint(what + ": forward failed: " + last_line(e.what()),
                                 "the model must take float input of the stream's sample shape"));
    }
    model.train(training);
  }
  if (out.dim() != 2 || out.size(0) != 2 || out.size(1) != options.num_classes) {
    throw UsageError(with_hint(what + ": forward returned " + text(out.sizes().vec()) + ", expected [2, " +
                                   std::to_string(options.num_classes) + "]",
                               "the model's last layer must output one logit per class of the stream"));
  }
}

}  // namespace mnemo::model
