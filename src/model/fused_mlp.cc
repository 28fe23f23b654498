// Implements: fused_mlp_forward (see fused_mlp.h).
#include "model/fused_mlp.h"

#include "core/error.h"

namespace mnemo::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The parameter's gradient buffer (the flat-buffer view when the trainer
// flattened the model).
torch::Tensor& grad_of(const torch::Tensor& param) {
  torch::Tensor& g = param.mutable_grad();
  if (!g.defined()) g = torch::zeros_like(param, torch::MemoryFormat::Contiguous).detach();
  return g;
}

// bias_grad[j] += sum_i g[i, j]
void add_column_sums(const torch::Tensor& g, torch::Tensor& bias_grad) {
  const std::int64_t n = g.size(0), m = g.size(1);
  const float* src = g.data_ptr<float>();
  float* dst = bias_grad.data_ptr<float>();
  for (std::int64_t i = 0; i < n; ++i) {
    const float* row = src + i * m;
    for (std::int64_t j = 0; j < m; ++j) dst[j] += row[j];
  }
}

// g[i] = 0 where the layer's ReLU output a[i] is not positive (PyTorch's
// threshold_backward: the gradient passes where the output is > 0).
void mask_by_relu(torch::Tensor& g, const torch::Tensor& a) {
  float* gp = g.data_ptr<float>();
  const float* ap = a.data_ptr<float>();
  const std::int64_t n = g.numel();
  for (std::int64_t i = 0; i < n; ++i) gp[i] = ap[i] > 0.0f ? gp[i] : 0.0f;
}

void relu_in_place(torch::Tensor& h) {
  float* p = h.data_ptr<float>();
  const std::int64_t n = h.numel();
  for (std::int64_t i = 0; i < n; ++i) p[i] = p[i] > 0.0f ? p[i] : 0.0f;
}

// h = a W^T + b for one layer, written into a fresh [n, out] tensor. The
// rows go in blocks with rows * in * out <= 10^6 (when that leaves at least
// 8 rows a block): OpenBLAS's AVX-512 builds run such GEMMs through their
// small-matrix kernels, which skip packing: at 20 x 784 x 100 one GEMM took
// 48 us here and two of 10 rows 33 us (at::mm_out in a loop, 1 thread). The
// blocks depend on the shapes only, so runs stay deterministic.
torch::Tensor linear(const torch::Tensor& a, const torch::Tensor& weight, const torch::Tensor& bias) {
  constexpr std::int64_t kSmallGemm = 1000000, kMinRows = 8;
  const std::int64_t n = a.size(0), in = a.size(1), out = weight.size(0);
  const std::int64_t max_rows = kSmallGemm / std::max<std::int64_t>(1, in * out);
  if (max_rows < kMinRows || n <= max_rows) return torch::addmm(bias, a, weight.t());
  torch::Tensor h = torch::empty({n, out}, a.options());
  const std::int64_t blocks = (n + max_rows - 1) / max_rows;
  for (std::int64_t k = 0; k < blocks; ++k) {
    const std::int64_t begin = n * k / blocks, rows = n * (k + 1) / blocks - begin;
    torch::Tensor part = h.narrow(0, begin, rows);
    torch::addmm_out(part, bias, a.narrow(0, begin, rows), weight.t());
  }
  return h;
}

class FusedMlp : public torch::autograd::Function<FusedMlp> {
 public:
  // `anchor` is one parameter that requires grad: it makes the output
  // require grad, so the engine calls backward.
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& anchor,
                               const std::vector<torch::Tensor>& params) {
    const std::size_t layers = params.size() / 2;
    variable_list inputs;  // each layer's input: x, then the ReLU outputs
    torch::Tensor a = x.contiguous();
    for (std::size_t l = 0; l < layers; ++l) {
      inputs.push_back(a);
      torch::Tensor h = linear(a, params[2 * l], params[2 * l + 1]);
      if (l + 1 < layers) relu_in_place(h);
      a = h;
    }
    ctx->save_for_backward(inputs);
    ctx->saved_data["params"] = params;
    return a;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    const variable_list inputs = ctx->get_saved_variables();
    const std::vector<torch::Tensor> params = ctx->saved_data["params"].toTensorVector();
    const bool input_grad = ctx->needs_input_grad(0);
    torch::Tensor g = grad_outputs[0].contiguous();
    for (std::size_t l = inputs.size(); l-- > 0;) {
      const torch::Tensor& weight = params[2 * l];
      const torch::Tensor& bias = params[2 * l + 1];
      if (weight.requires_grad()) grad_of(weight).addmm_(g.t(), inputs[l]);
      if (bias.requires_grad()) add_column_sums(g, grad_of(bias));
      if (l == 0 && !input_grad) return {torch::Tensor(), torch::Tensor(), torch::Tensor()};
      torch::Tensor below = torch::mm(g, weight);
      if (l > 0) mask_by_relu(below, inputs[l]);
      g = below;
    }
    return {g, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool fused_mlp_applies(const torch::Tensor& x, const std::vector<torch::Tensor>& params) {
  if (!torch::GradMode::is_enabled() || !x.device().is_cpu() || x.scalar_type() != torch::kFloat32) return false;
  bool trains = false;
  for (const auto& p : params) {
    if (!p.device().is_cpu() || p.scalar_type() != torch::kFloat32 || !p.is_contiguous()) return false;
    trains = trains || p.requires_grad();
  }
  return trains;
}

torch::Tensor fused_mlp_forward(const torch::Tensor& x, const std::vector<torch::Tensor>& params) {
  MNEMO_ASSERT(params.size() >= 2 && params.size() % 2 == 0, "an MLP has (weight, bias) pairs");
  const torch::Tensor* anchor = &params.front();
  for (const auto& p : params) {
    if (p.requires_grad()) {
      anchor = &p;
      break;
    }
  }
  return FusedMlp::apply(x, *anchor, params);
}

}  // namespace mnemo::model
