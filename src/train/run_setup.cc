// Implements: set_up_run (see run_setup.h).
#include "train/run_setup.h"
#include "train/sample_tensors.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "comm/checked_communicator.h"
#include "comm/watchdog.h"
#include "core/error.h"
#include "core/process.h"
#include "core/signals.h"
#include "data/sharding.h"
#include "strategies/loss_terms.h"
#include "train/gradient_step.h"
#include "train/model_export.h"
#include "train/run_dir.h"
#include "train/tensor_collectives.h"

namespace mnemo::train {

namespace {

// Wraps the backend in the watchdog and, for debugging, the collective
// cross-check.
std::unique_ptr<Communicator> make_gradient_communicator(const TrainOptions& o, Communicator& control, bool gpu,
                                                         int device) {
  std::unique_ptr<Communicator> comm = make_communicator(o.comm.backend, control, gpu, device);
  if (o.comm.timeout_seconds > 0 && control.world_size() > 1) {
    comm = make_watched_communicator(std::move(comm), "gradient", heartbeat_dir(o.run.run_dir), o.comm.timeout_seconds);
  }
  if (o.comm.debug_collectives) comm = make_checked_communicator(std::move(comm), "gradient");
  return comm;
}

model::ModelOptions model_options(const TrainOptions& o, const data::StreamReader& stream) {
  model::ModelOptions mo = o.model;
  mo.input_shape = stream.image_shape();
  mo.num_classes = stream.num_classes();
  for (std::int64_t t = 0; t < stream.num_tasks(); ++t) mo.task_classes.push_back(stream.task(t).classes);
  return mo;
}

bool per_task_heads(model::Head head, const data::StreamReader& stream) {
  return head == model::Head::kPerTask || (head == model::Head::kAuto && stream.scenario() == "task-incremental");
}

// What strategies may use: the run's facts and the trainer's services.
strategies::StrategyContext strategy_context(Run& run, const model::ModelOptions& mo) {
  const data::StreamReader& stream = *run.stream;
  strategies::StrategyContext ctx;
  ctx.model = run.model;
  ctx.device = run.device;
  ctx.rank = run.control.rank();
  ctx.world_size = run.control.world_size();
  ctx.num_classes = stream.num_classes();
  ctx.image_shape = stream.image_shape();
  ctx.sample_type = stream.sample_format().type;
  ctx.input_norm = run.input_norm;
  ctx.augment = run.augment;
  ctx.seed = run.options.run.seed;
  ctx.num_tasks = stream.num_tasks();
  for (std::int64_t t = 0; t < stream.num_tasks(); ++t) ctx.task_classes.push_back(stream.task(t).classes);
  if (per_task_heads(run.options.model.head, stream)) {
    ctx.head_mask = strategies::make_head_mask(ctx.task_classes, stream.num_classes()).to(run.device);
  }
  Run* r = &run;
  ctx.services.parameters = [r] { return r->flat->values(); };
  ctx.services.gradient = [r] { return r->flat->grads(); };
  SyncExtras extras;  // built once: A-GEM syncs a gradient every step
  extras.strategy = "strategy '" + run.options.strategy.name + "'";
  extras.comm_seconds = &run.costs.comm_seconds;
  ctx.services.synced_gradient = [r, extras](const std::vector<strategies::LossTerm>& terms) {
    synced_gradient(terms, *r->flat, r->control, *r->reducer, extras);
  };
  ctx.services.allreduce_sum = [r](torch::Tensor& t) {
    MNEMO_ASSERT(t.is_contiguous() && t.scalar_type() == torch::kFloat32, "allreduce_sum takes contiguous float32");
    r->grad_comm->allreduce_sum(t.data_ptr(), static_cast<std::size_t>(t.numel()), DType::kFloat32);
  };
  ctx.services.allgather_rows = [r](const torch::Tensor& rows) { return allgather_rows(*r->grad_comm, rows); };
  ctx.services.global_mean = [r](torch::Tensor& sum, std::int64_t count) {
    return global_mean(*r->grad_comm, r->control, sum, count);
  };
  ctx.services.clone_model = [r, mo] {
    model::Model copy = model::make_model(mo);
    copy->to(r->device);
    torch::NoGradGuard no_grad;
    auto src = r->model->parameters(), dst = copy->parameters();
    for (std::size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
    auto bsrc = r->model->buffers(), bdst = copy->buffers();
    for (std::size_t i = 0; i < bsrc.size(); ++i) bdst[i].copy_(bsrc[i]);
    for (auto& p : copy->parameters()) p.set_requires_grad(false);
    copy->eval();
    return copy;
  };
  return ctx;
}

// A network that needs each sample's task gets it at test time only on
// task-IL streams, and trains one task per batch (no replay of others).
void check_growing_model(const model::ModelImpl& model, const TrainOptions& o, const data::StreamReader& stream) {
  if (!model.needs_task_identity()) return;
  if (!per_task_heads(o.model.head, stream)) {
    throw UsageError(with_hint("--model " + o.model.name + " predicts each sample with its task's weights, but stream " +
                                   o.run.stream + " (" + stream.scenario() +
                                   ") gives no task identity at test time (--head " +
                                   (o.model.head == model::Head::kSingle ? "single" : "auto") + ")",
                               "prepare the stream with --scenario task-incremental, or train with --head per-task "
                               "(the task-IL protocol of a domain-incremental stream)"));
  }
  const std::string capacity = model.capacity_problem(stream.num_tasks());
  if (!capacity.empty()) {
    throw UsageError(with_hint(capacity, "raise --packnet-prune (the share of each task's free weights left to later "
                                         "tasks), or widen --hidden"));
  }
  if (o.strategy.name != "finetune") {
    throw UsageError(with_hint("--model " + o.model.name + " trains each task in weights of its own; --strategy " +
                                   o.strategy.name + " would mix tasks or penalise parameters the columns freeze",
                               "use --strategy finetune (the network is the method)"));
  }
}

// A growing head gives the classes no task has brought yet -inf logits and
// changes the parameters' shapes at task starts: strategies that store
// logits of every class, or state shaped like the parameters, cannot follow.
void check_growing_head(const TrainOptions& o) {
  if (!o.model.growing_head) return;
  static const std::vector<std::string> fits = {"finetune", "er", "er-ace", "agem", "cumulative", "joint"};
  if (std::find(fits.begin(), fits.end(), o.strategy.name) != fits.end()) return;
  throw UsageError(with_hint("--growing-head cannot be used with --strategy " + o.strategy.name +
                                 ": it keeps logits of every class (-inf for classes not seen yet) or state shaped "
                                 "like the parameters, which change shape when the head grows",
                             "use it with finetune, er, er-ace, agem, cumulative or joint; or drop --growing-head"));
}

}  // namespace

void rebuild_flat_parameters(Run& run) {
  run.reducer.reset();  // it points into the old buffers
  run.flat = std::make_unique<FlatParameters>(*run.model);
  const ReducerOptions& r = run.options.reducer;
  run.reducer = std::make_unique<GradientReducer>(*run.flat, *run.grad_comm,
                                                  static_cast<std::size_t>(r.bucket_mb * (1 << 20)), r.overlap,
                                                  r.wire);
  run.optimizer->reset();  // its moments were shaped like the old buffer
}

int threads_per_rank(const RunOptions& o, const Communicator& control) {
  if (o.threads > 0) return o.threads;
  // A rank bound to fewer CPUs than the machine has (srun --cpus-per-task, mpirun --bind-to) owns exactly
  // those; an unbound one shares the machine's cores with the node's other ranks.
  const int allowed = allowed_cpus();
  if (allowed < machine_cpus()) return allowed;
  return std::max(1, allowed / std::max(1, control.local_size()));
}

std::unique_ptr<Run> set_up_run(const TrainOptions& o, Communicator& control) {
  o.validate();
  auto run = std::make_unique<Run>(o, control);
  const int threads = threads_per_rank(o.run, control);
  torch::set_num_threads(threads);
  if (threads > allowed_cpus()) {  // e.g. srun from Slurm 22.05 on no longer passes --cpus-per-task to the step
    spdlog::warn("rank {} runs {} threads on {} CPU(s) it may use (its affinity): they contend for them; pass "
                 "--threads {} or give the rank more CPUs (srun: SRUN_CPUS_PER_TASK or --cpus-per-task)",
                 control.rank(), threads, allowed_cpus(), allowed_cpus());
  }
  install_stop_signals();
  const bool gpu = torch::cuda::is_available();
  if (gpu) {
    run->device = torch::Device(torch::kCUDA, static_cast<int>(control.local_rank() % torch::cuda::device_count()));
  }
  run->grad_comm = make_gradient_communicator(o, control, gpu, run->device.index());
  if (o.run.deterministic) at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
  if (run->grad_comm->buffer_place() == BufferPlace::kHost && run->device.is_cuda()) {
    run->device = torch::kCPU;  // an explicit host backend keeps the model on the CPU
  }
  run->stream = std::make_unique<data::StreamReader>(o.run.stream);
  run->input_norm = stream_input_norm(run->stream->sample_format(), run->device);
  if (o.run.augment == Augment::kCropFlip) {
    const data::SampleFormat& f = run->stream->sample_format();
    if (f.shape.size() != 3) {
      throw UsageError(with_hint("--augment crop-flip needs images [C, H, W]; stream " + o.run.stream + " holds " +
                                     f.describe() + " samples",
                                 "drop --augment for feature vectors"));
    }
    run->augment = model::Augmenter(o.run.augment_padding, o.run.seed, run->input_norm);
  }
  for (std::int64_t t = 0; t < run->stream->num_tasks(); ++t) {
    data::check_data_parallel(t, run->stream->task(t).train_count, o.run.batch_size, control.world_size());
  }
  torch::manual_seed(o.run.seed);
  run->model_options = model_options(o, *run->stream);
  const model::ModelOptions& mo = run->model_options;
  run->model = model::make_model(mo);
  run->model->to(run->device);
  model::check_model_output(*run->model, mo, o.run.stream);
  check_growing_head(o);
  if (!mo.init.empty()) load_initial_weights(*run->model, mo.init, mo.init_skip_list());
  run->model->train();
  check_growing_model(*run->model, o, *run->stream);
  run->optimizer = make_optimizer(o.optimizer);
  rebuild_flat_parameters(*run);
  strategies::StrategyOptions so = o.strategy;
  so.lr = o.optimizer.lr;
  run->strategy = strategies::make_strategy(so, strategy_context(*run, mo));
  run->evaluator = std::make_unique<Evaluator>(*run->stream, control.world_size(), control.rank(), run->device, o.eval);
  return run;
}

std::string Run::describe() const {
  return fmt::format("{} ranks, backend {}, device {}, {} threads/rank on {} CPU(s) (rank 0's affinity); {} "
                     "trainable parameters in {} gradient bucket(s){}; stream {} ({} tasks)",
                     control.world_size(), grad_comm->backend(), device.str(), threads_per_rank(options.run, control),
                     allowed_cpus(),
                     flat->numel(), reducer->num_buckets(), reducer->overlaps() ? " overlapped with backward" : "",
                     options.run.stream, stream->num_tasks());
}

}  // namespace mnemo::train
