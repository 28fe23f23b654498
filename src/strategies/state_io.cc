// Implements: strategy state in archives (see state_io.h).
#include "strategies/state_io.h"

#include <vector>

#include "model/state_dict.h"

namespace mnemo::strategies {

void save_tensor(torch::serialize::OutputArchive& archive, const std::string& key, const torch::Tensor& t) {
  if (t.defined()) archive.write(key, t.to(torch::kCPU));
}

void load_tensor(torch::serialize::InputArchive& archive, const std::string& key, torch::Tensor& t,
                 const torch::Device& device) {
  torch::Tensor loaded;
  if (archive.try_read(key, loaded)) {
    t = loaded.to(device);
  } else {
    t = torch::Tensor();
  }
}

void save_model_values(torch::serialize::OutputArchive& archive, const std::string& key, model::ModelImpl& model) {
  model::write_named(archive, key, model::named_state(model));
}

bool load_model_values(torch::serialize::InputArchive& archive, const std::string& key, model::ModelImpl& model,
                       const torch::Device& device) {
  const model::NamedTensors named = model::read_named(archive, key);
  if (!named.empty()) {
    model::load_named_state(model, named, "the checkpoint's " + key);
    return true;
  }
  torch::Tensor flat;  // version 1: parameters then buffers, flattened into one float tensor
  load_tensor(archive, key, flat, device);
  if (!flat.defined()) return false;
  torch::NoGradGuard no_grad;
  std::int64_t off = 0;
  for (auto& p : model.parameters()) {
    p.copy_(flat.narrow(0, off, p.numel()).view(p.sizes()));
    off += p.numel();
  }
  for (auto& b : model.buffers()) {
    b.copy_(flat.narrow(0, off, b.numel()).view(b.sizes()).to(b.scalar_type()));
    off += b.numel();
  }
  return true;
}

}  // namespace mnemo::strategies
