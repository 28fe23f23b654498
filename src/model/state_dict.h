// Implements: a model's state by name, as checkpoints, exports and --init
//   exchange it.
//   - named_state: the parameters, then the buffers (BatchNorm running
//     statistics), under their module paths ("layers.0.weight"), the names
//     PyTorch's state_dict() uses for the same module tree.
//   - Signature: each tensor's name, shape and dtype; signature_differences
//     lists what two signatures disagree on, for error messages.
//   - load_named_state: copies tensors into a model by name; every missing,
//     unexpected or mis-shaped tensor is listed in one InputError.
//   - State-dict files: a pickled {name: tensor} dict, the format of
//     Python's torch.save(dict(model.state_dict())) and torch.load.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace mnemo::model {

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

struct TensorSpec {
  std::string name;
  std::vector<std::int64_t> shape;
  std::string dtype;  ///< "Float", "Long", ... (c10's names)
  bool operator==(const TensorSpec& o) const { return name == o.name && shape == o.shape && dtype == o.dtype; }
};
using Signature = std::vector<TensorSpec>;

/// Parameters then buffers, by module path; the tensors themselves, not copies.
NamedTensors named_state(const torch::nn::Module& module);
Signature signature_of(const NamedTensors& state);

/// "missing: NAME [shape] dtype", "unexpected: ...", "NAME: model [..] Float,
/// file [..] Float"; empty when they agree. Names in `skip` (prefixes) are ignored.
std::vector<std::string> signature_differences(const Signature& model, const Signature& file,
                                               const std::vector<std::string>& skip = {});

nlohmann::json signature_json(const Signature& signature);
Signature signature_from_json(const nlohmann::json& json);

/// Copies `from` into `module`'s tensors of the same names (converting the
/// device). Names starting with one of `skip` keep their values. InputError
/// naming `source` and listing every difference when the names, shapes or
/// dtypes disagree.
void load_named_state(torch::nn::Module& module, const NamedTensors& from, const std::string& source,
                      const std::vector<std::string>& skip = {});

/// Writes `state` to `path` as a pickled dict (torch.load reads it), atomically.
void save_state_dict_file(const NamedTensors& state, const std::string& path);
/// Reads a pickled {name: tensor} dict. InputError naming `path` otherwise.
NamedTensors load_state_dict_file(const std::string& path);

/// A checkpoint archive's tensors under "PREFIX.NAME".
void write_named(torch::serialize::OutputArchive& archive, const std::string& prefix, const NamedTensors& state);
/// The tensors under "PREFIX." (the prefix removed); empty when there are none.
NamedTensors read_named(torch::serialize::InputArchive& archive, const std::string& prefix);

}  // namespace mnemo::model
