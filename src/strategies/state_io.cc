// Implements: strategy state in archives (see state_io.h).
#include "strategies/state_io.h"

#include <vector>

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
  std::vector<torch::Tensor> flat;
  for (const auto& p : model.parameters()) flat.push_back(p.detach().flatten());
  for (const auto& b : model.buffers()) flat.push_back(b.detach().flatten().to(torch::kFloat32));
  save_tensor(archive, key, torch::cat(flat));
}

bool load_model_values(torch::serialize::InputArchive& archive, const std::string& key, model::ModelImpl& model,
                       const torch::Device& device) {
  torch::Tensor flat;
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
