// Implements: the flat optimizers and schedules (see optimizer.h).
#include "train/optimizer.h"

#include <cmath>

#include "core/error.h"

namespace mnemo::train {
namespace {

// g + wd * p without touching the gradient buffer (the all-reduced gradient
// may be needed again by a strategy).
const torch::Tensor& decayed(const torch::Tensor& grads, const torch::Tensor& values, double wd, torch::Tensor& tmp) {
  if (wd == 0.0) return grads;
  tmp = torch::add(grads, values, wd);
  return tmp;
}

class Sgd final : public FlatOptimizer {
 public:
  explicit Sgd(const OptimizerOptions& o) : o_(o) {}
  void step(torch::Tensor& p, const torch::Tensor& grads, double lr) override {
    torch::NoGradGuard no_grad;
    const torch::Tensor& g = decayed(grads, p, o_.weight_decay, tmp_);
    if (o_.momentum == 0.0) {
      p.add_(g, -lr);
      return;
    }
    if (!v_.defined()) {
      v_ = g.clone();
    } else {
      v_.mul_(o_.momentum).add_(g);
    }
    p.add_(v_, -lr);
  }
  void reset() override { v_ = torch::Tensor(); }
  std::vector<std::pair<std::string, torch::Tensor*>> state() override { return {{"v", &v_}}; }

 private:
  OptimizerOptions o_;
  torch::Tensor v_, tmp_;
};

class Adam final : public FlatOptimizer {
 public:
  explicit Adam(const OptimizerOptions& o) : o_(o), eps_(o.eps < 0 ? 1e-8 : o.eps) {}
  void step(torch::Tensor& p, const torch::Tensor& grads, double lr) override {
    torch::NoGradGuard no_grad;
    const torch::Tensor& g = decayed(grads, p, o_.weight_decay, tmp_);
    if (!m_.defined()) {
      m_ = torch::zeros_like(p);
      v_ = torch::zeros_like(p);
    }
    const auto t = static_cast<double>(t_.add_(1).item<std::int64_t>());
    m_.mul_(o_.beta1).add_(g, 1 - o_.beta1);
    v_.mul_(o_.beta2).addcmul_(g, g, 1 - o_.beta2);
    const double bc1 = 1 - std::pow(o_.beta1, t);
    const double bc2 = 1 - std::pow(o_.beta2, t);
    denom_ = v_.sqrt().div_(std::sqrt(bc2)).add_(eps_);
    p.addcdiv_(m_, denom_, -lr / bc1);
  }
  void reset() override {
    m_ = v_ = torch::Tensor();
    t_ = torch::zeros({1}, torch::kInt64);
  }
  std::vector<std::pair<std::string, torch::Tensor*>> state() override {
    return {{"m", &m_}, {"v", &v_}, {"t", &t_}};
  }

 private:
  OptimizerOptions o_;
  double eps_;
  torch::Tensor m_, v_, denom_, tmp_;
  torch::Tensor t_ = torch::zeros({1}, torch::kInt64);  // step count (a tensor, to checkpoint it)
};

class Adagrad final : public FlatOptimizer {
 public:
  explicit Adagrad(const OptimizerOptions& o) : o_(o), eps_(o.eps < 0 ? 1e-10 : o.eps) {}
  void step(torch::Tensor& p, const torch::Tensor& grads, double lr) override {
    torch::NoGradGuard no_grad;
    const torch::Tensor& g = decayed(grads, p, o_.weight_decay, tmp_);
    if (!sum_.defined()) sum_ = torch::zeros_like(p);
    sum_.addcmul_(g, g, 1.0);
    denom_ = sum_.sqrt().add_(eps_);
    p.addcdiv_(g, denom_, -lr);
  }
  void reset() override { sum_ = torch::Tensor(); }
  std::vector<std::pair<std::string, torch::Tensor*>> state() override { return {{"sum", &sum_}}; }

 private:
  OptimizerOptions o_;
  double eps_;
  torch::Tensor sum_, denom_, tmp_;
};

class RmsProp final : public FlatOptimizer {
 public:
  explicit RmsProp(const OptimizerOptions& o) : o_(o), eps_(o.eps < 0 ? 1e-8 : o.eps) {}
  void step(torch::Tensor& p, const torch::Tensor& grads, double lr) override {
    torch::NoGradGuard no_grad;
    const torch::Tensor& g = decayed(grads, p, o_.weight_decay, tmp_);
    if (!v_.defined()) v_ = torch::zeros_like(p);
    v_.mul_(o_.alpha).addcmul_(g, g, 1 - o_.alpha);
    denom_ = v_.sqrt().add_(eps_);
    if (o_.momentum > 0) {
      if (!buf_.defined()) buf_ = torch::zeros_like(p);
      buf_.mul_(o_.momentum).addcdiv_(g, denom_);
      p.add_(buf_, -lr);
    } else {
      p.addcdiv_(g, denom_, -lr);
    }
  }
  void reset() override { v_ = buf_ = torch::Tensor(); }
  std::vector<std::pair<std::string, torch::Tensor*>> state() override { return {{"v", &v_}, {"buf", &buf_}}; }

 private:
  OptimizerOptions o_;
  double eps_;
  torch::Tensor v_, buf_, denom_, tmp_;
};

}  // namespace

void OptimizerOptions::declare(OptionTable& t) {
  t.add_choice("optimizer", name,
               {{"sgd", OptimizerKind::kSgd}, {"adam", OptimizerKind::kAdam}, {"adagrad", OptimizerKind::kAdagrad},
                {"rmsprop", OptimizerKind::kRmsprop}},
               "Optimizer (torch.optim's formulas; state reset per task)");
  t.add("lr", lr, "Learning rate").positive();
  t.add("momentum", momentum, "Momentum (sgd, rmsprop)").check([this] {
    return momentum >= 0 && momentum < 1 ? "" : "must be in [0, 1)";
  });
  t.add("weight-decay", weight_decay, "Weight decay (L2 added to the gradient)").at_least(0).finite();
  t.add_choice("lr-schedule", schedule,
               {{"constant", LrSchedule::kConstant}, {"step", LrSchedule::kStep}, {"cosine", LrSchedule::kCosine}},
               "Per-task learning-rate schedule");
  t.add("lr-milestones", milestones, "step schedule: epochs at which lr *= --lr-gamma").at_least(0);
  t.add("lr-gamma", gamma, "step schedule: decay factor").positive();
}

std::unique_ptr<FlatOptimizer> make_optimizer(const OptimizerOptions& o) {
  switch (o.name) {
    case OptimizerKind::kAdam: return std::make_unique<Adam>(o);
    case OptimizerKind::kAdagrad: return std::make_unique<Adagrad>(o);
    case OptimizerKind::kRmsprop: return std::make_unique<RmsProp>(o);
    case OptimizerKind::kSgd: break;
  }
  return std::make_unique<Sgd>(o);
}

double scheduled_lr(const OptimizerOptions& o, std::int64_t epoch, std::int64_t step, std::int64_t steps,
                    std::int64_t epochs) {
  if (o.schedule == LrSchedule::kStep) {
    double lr = o.lr;
    for (auto m : o.milestones) {
      if (epoch >= m) lr *= o.gamma;
    }
    return lr;
  }
  if (o.schedule == LrSchedule::kCosine) {
    const double total = static_cast<double>(std::max<std::int64_t>(1, steps * epochs));
    const double t = static_cast<double>(epoch * steps + step);
    return o.lr * 0.5 * (1.0 + std::cos(M_PI * t / total));
  }
  return o.lr;
}

}  // namespace mnemo::train
