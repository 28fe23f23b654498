// Implements: FlatParameters.
#include "train/flat_parameters.h"

#include "core/error.h"

namespace mnemo::train {
namespace {

void fnv(std::uint64_t& h, const std::string& s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
}

}  // namespace

FlatParameters::FlatParameters(torch::nn::Module& module) {
  signature_ = 0xcbf29ce484222325ULL;
  std::int64_t total = 0;
  torch::TensorOptions options;
  for (const auto& item : module.named_parameters(/*recurse=*/true)) {
    fnv(signature_, item.key());
    fnv(signature_, std::string(c10::toString(item.value().scalar_type())));
    for (auto d : item.value().sizes()) fnv(signature_, std::to_string(d) + ",");
    if (!item.value().requires_grad()) {  // frozen: stays where it is
      fnv(signature_, "frozen");
      frozen_numel_ += item.value().numel();
      continue;
    }
    params_.push_back(item.value());
    total += item.value().numel();
    options = item.value().options();
  }
  MNEMO_ASSERT(!params_.empty(), "model has no trainable parameters");
  values_ = torch::empty({total}, options.requires_grad(false));
  grads_ = torch::zeros({total}, options.requires_grad(false));
  std::int64_t off = 0;
  torch::NoGradGuard no_grad;
  for (auto& p : params_) {
    const std::int64_t n = p.numel();
    torch::Tensor value_view = values_.narrow(0, off, n).view(p.sizes());
    value_view.copy_(p.detach());
    p.set_data(value_view);
    grad_views_.push_back(grads_.narrow(0, off, n).view(p.sizes()));
    p.mutable_grad() = grad_views_.back();
    offsets_.push_back(off);
    off += n;
  }
}

std::uint64_t parameter_fingerprint(const torch::nn::Module& module) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const auto& p : module.parameters(/*recurse=*/true)) {
    const torch::Tensor host = p.detach().to(torch::kCPU).contiguous();
    const auto* bytes = static_cast<const unsigned char*>(host.data_ptr());
    for (std::int64_t i = 0; i < host.numel() * static_cast<std::int64_t>(host.element_size()); ++i) {
      h ^= bytes[i];
      h *= 0x100000001b3ULL;
    }
  }
  return h;
}

bool FlatParameters::bind_grads() {
  bool rebound = false;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto& g = params_[i].mutable_grad();
    if (!g.defined() || g.data_ptr() != grad_views_[i].data_ptr()) {
      if (g.defined()) grad_views_[i].copy_(g);
      g = grad_views_[i];
      rebound = true;
    }
  }
  return rebound;
}

}  // namespace mnemo::train
