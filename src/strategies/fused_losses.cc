// Implements: the fused losses (see fused_losses.h).
#include "strategies/fused_losses.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace mnemo::strategies {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

class SoftmaxCrossEntropy : public torch::autograd::Function<SoftmaxCrossEntropy> {
 public:
  // The mask is passed by pointer: an undefined tensor may not be a
  // Function input, and the mask needs no gradient.
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& logits, const torch::Tensor& y,
                               const torch::Tensor* head_mask) {
    const torch::Tensor z = logits.contiguous();
    const std::int64_t n = z.size(0), k = z.size(1);
    torch::Tensor probs = torch::empty({n, k}, z.options());
    const float* zp = z.data_ptr<float>();
    const std::int64_t* yp = y.data_ptr<std::int64_t>();
    const float* mask = head_mask->defined() ? head_mask->data_ptr<float>() : nullptr;
    float* pp = probs.data_ptr<float>();
    double total = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t label = yp[i];
      MNEMO_ASSERT(label >= 0 && label < k, "a label is outside the model's classes");
      const float* row = zp + i * k;
      const float* add = mask != nullptr ? mask + label * k : nullptr;
      float* p = pp + i * k;
      float top = -std::numeric_limits<float>::infinity();
      for (std::int64_t j = 0; j < k; ++j) {
        p[j] = add != nullptr ? row[j] + add[j] : row[j];
        top = std::max(top, p[j]);
      }
      float sum = 0;
      for (std::int64_t j = 0; j < k; ++j) {
        p[j] = std::exp(p[j] - top);
        sum += p[j];
      }
      const float picked = (add != nullptr ? row[label] + add[label] : row[label]) - top;
      total += std::log(sum) - picked;
      const float inv = 1.0f / sum;
      for (std::int64_t j = 0; j < k; ++j) p[j] *= inv;
    }
    ctx->save_for_backward({probs, y});
    return torch::full({}, static_cast<float>(total), z.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list saved = ctx->get_saved_variables();
    const torch::Tensor& probs = saved[0];
    const std::int64_t n = probs.size(0), k = probs.size(1);
    torch::Tensor grad = torch::empty_like(probs);
    const float scale = grad_outputs[0].item<float>();
    const std::int64_t* yp = saved[1].data_ptr<std::int64_t>();
    const float* pp = probs.data_ptr<float>();
    float* gp = grad.data_ptr<float>();
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < k; ++j) gp[i * k + j] = scale * (pp[i * k + j] - (j == yp[i] ? 1.0f : 0.0f));
    }
    return {grad, torch::Tensor(), torch::Tensor()};
  }
};

class SquaredErrorSum : public torch::autograd::Function<SquaredErrorSum> {
 public:
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& out, const torch::Tensor& target) {
    torch::Tensor diff = torch::empty({out.size(0), out.size(1)}, out.options());
    const torch::Tensor o = out.contiguous(), t = target.contiguous();
    const float* op = o.data_ptr<float>();
    const float* tp = t.data_ptr<float>();
    float* dp = diff.data_ptr<float>();
    double total = 0;
    for (std::int64_t i = 0, n = diff.numel(); i < n; ++i) {
      dp[i] = op[i] - tp[i];
      total += static_cast<double>(dp[i]) * dp[i];
    }
    ctx->save_for_backward({diff});
    return torch::full({}, static_cast<float>(total / static_cast<double>(out.size(1))), out.options());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const torch::Tensor diff = ctx->get_saved_variables()[0];
    torch::Tensor grad = torch::empty_like(diff);
    const float scale = 2.0f * grad_outputs[0].item<float>() / static_cast<float>(diff.size(1));
    const float* dp = diff.data_ptr<float>();
    float* gp = grad.data_ptr<float>();
    for (std::int64_t i = 0, n = diff.numel(); i < n; ++i) gp[i] = scale * dp[i];
    return {grad, torch::Tensor()};
  }
};

bool cpu_float(const torch::Tensor& t) { return t.device().is_cpu() && t.scalar_type() == torch::kFloat32; }

}  // namespace

torch::Tensor squared_error_sum(const torch::Tensor& out, const torch::Tensor& target) {
  MNEMO_ASSERT(out.dim() == 2 && out.sizes() == target.sizes(), "squared error shapes");
  if (cpu_float(out) && cpu_float(target)) return SquaredErrorSum::apply(out, target.detach());
  return (out - target.detach()).pow(2).mean(/*dim=*/1).sum();
}

torch::Tensor softmax_cross_entropy_sum(const torch::Tensor& logits, const torch::Tensor& y,
                                        const torch::Tensor& head_mask) {
  MNEMO_ASSERT(logits.dim() == 2 && y.dim() == 1 && y.size(0) == logits.size(0), "cross-entropy shapes");
  const bool fused = cpu_float(logits) && y.scalar_type() == torch::kInt64 && y.is_contiguous() &&
                     (!head_mask.defined() || (head_mask.scalar_type() == torch::kFloat32 && head_mask.is_contiguous()));
  if (fused) return SoftmaxCrossEntropy::apply(logits, y, &head_mask);
  const torch::Tensor masked = head_mask.defined() ? logits + head_mask.index_select(0, y) : logits;
  return torch::nn::functional::cross_entropy(masked, y,
                                              torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
}

}  // namespace mnemo::strategies
