// Implements: Lwf.
#include "strategies/lwf.h"

#include "strategies/loss_terms.h"
#include "strategies/state_io.h"

namespace mnemo::strategies {

void LwfOptions::declare(OptionTable& t) {
  t.add("lwf-alpha", alpha, "lwf: weight of the distillation term").at_least(0).finite();
  t.add("lwf-temperature", temperature, "lwf: softmax temperature").positive();
}

void Lwf::before_task(std::int64_t task) {
  if (task == 0) return;
  teacher_ = context_.services.clone_model();
  std::vector<std::int64_t> old;
  for (std::int64_t t = 0; t < task; ++t) {
    old.insert(old.end(), context_.task_classes[t].begin(), context_.task_classes[t].end());
  }
  old_classes_ = torch::tensor(old, torch::kInt64).to(context_.device);
}

torch::Tensor Lwf::distillation(const torch::Tensor& student, const torch::Tensor& teacher, double temperature) {
  const torch::Tensor log_p_teacher = torch::log_softmax(teacher / temperature, 1);
  const torch::Tensor log_p_student = torch::log_softmax(student / temperature, 1);
  return (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum() * (temperature * temperature);
}

std::vector<LossTerm> Lwf::loss(const Batch& batch) {
  if (batch.size() == 0) return {};
  const torch::Tensor logits = context_.model->forward(batch.x);
  std::vector<LossTerm> terms = {cross_entropy_of_logits(logits, batch.y, context_.head_mask)};
  if (teacher_) {
    torch::Tensor teacher_logits;
    {
      torch::NoGradGuard no_grad;
      teacher_logits = teacher_->forward(batch.x).index_select(1, old_classes_);
    }
    terms.push_back({distillation(logits.index_select(1, old_classes_), teacher_logits, options_.temperature),
                     batch.size(), options_.alpha});
  }
  return terms;
}

void Lwf::save_state(torch::serialize::OutputArchive& a) const {
  if (!teacher_) return;
  save_model_values(a, "lwf.teacher", *teacher_);
  save_tensor(a, "lwf.old_classes", old_classes_);
}

void Lwf::load_state(torch::serialize::InputArchive& a) {
  model::Model teacher = context_.services.clone_model();
  if (!load_model_values(a, "lwf.teacher", *teacher, context_.device)) return;
  teacher_ = teacher;
  load_tensor(a, "lwf.old_classes", old_classes_, context_.device);
}

}  // namespace mnemo::strategies
