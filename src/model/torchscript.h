// Implements: models as TorchScript, both ways.
//   - to_torchscript: a built-in model rebuilt as a TorchScript module
//     (the same module tree and tensor names, forward and features written
//     in TorchScript over aten operators), so Python's torch.jit.load runs
//     it with no mnemo code. Its tensors are CPU copies; it is saved in
//     eval mode.
//   - ScriptedModel: a TorchScript file (torch.jit.save in Python) trained
//     as a mnemo model. Its parameters and buffers are registered, shared,
//     under the same names in a torch::nn::Module tree, so the flat
//     gradient buffer, buckets, optimizer and checkpoints treat it as they
//     treat the built-ins.
#pragma once

#include <torch/torch.h>

#include <string>

#include "model/model.h"

namespace mnemo::model {

/// True for a --model value that names a file rather than a registered model:
/// it contains a '/' or ends in .pt, .pth, .ts or .jit.
bool is_torchscript_path(const std::string& name);

/// `model` as a TorchScript module (see above). UsageError for a model
/// type this conversion does not know.
torch::jit::Module to_torchscript(ModelImpl& model);

class ScriptedModel : public ModelImpl {
 public:
  /// Loads `path` onto the CPU. InputError when it is not a TorchScript
  /// module with a forward method.
  explicit ScriptedModel(const std::string& path);
  torch::Tensor forward(torch::Tensor x) override;
  /// The module's `features` method; UsageError when it has none.
  torch::Tensor features(torch::Tensor x) override;
  bool has_features() const override;
  bool samples_independent() const override;
  void train(bool on = true) override;
  /// A CPU copy of the module with the current values.
  torch::jit::Module scripted() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  torch::jit::Module module_;    ///< trained: its tensors become views into the flat buffers
  torch::jit::Module pristine_;  ///< a copy with tensors of their own, for scripted()
};

}  // namespace mnemo::model
