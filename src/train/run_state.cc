// Implements: save_checkpoint, read_checkpoint_meta and restore_checkpoint
//   (see run_state.h).
#include "train/run_state.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model/state_dict.h"
#include "strategies/replay_memory.h"
#include "strategies/state_io.h"
#include "train/model_sync.h"

namespace mnemo::train {

namespace fs = std::filesystem;

namespace {

// The archive's bytes: written to disk by write_file_atomically, because
// LibTorch's own file writer throws from a destructor when the disk is
// full, which ends the process instead of reporting a storage error.
std::string archive_bytes(torch::serialize::OutputArchive& archive) {
  std::ostringstream out;
  archive.save_to(out);
  return out.str();
}

model::NamedTensors buffers_of(const torch::nn::Module& module) {
  model::NamedTensors out;
  for (const auto& b : module.named_buffers(/*recurse=*/true)) out.emplace_back(b.key(), b.value());
  return out;
}

std::string rank_buffers_file(const std::string& dir, int rank) {
  return dir + "/buffers/rank-" + std::to_string(rank) + ".pt";
}

// Version 1: one flat tensor of the parameters, no buffers.
void restore_flat_values(Run& run, torch::serialize::InputArchive& archive, const std::string& dir) {
  torch::Tensor values;
  if (!archive.try_read("values", values)) throw InputError(dir + "/model.pt holds no model");
  if (values.numel() != run.flat->numel()) throw InputError(dir + "/model.pt holds another model");
  torch::NoGradGuard no_grad;
  run.flat->values().copy_(values);
  if (!buffers_of(*run.model).empty()) {
    spdlog::warn("{} is a version-1 checkpoint: it holds no buffers; BatchNorm statistics start afresh", dir);
  }
}

std::vector<std::string> parameter_names(const torch::nn::Module& module) {
  std::vector<std::string> out;
  for (const auto& p : module.named_parameters(/*recurse=*/true)) out.push_back(p.key());
  return out;
}

}  // namespace

nlohmann::json input_meta(const data::SampleFormat& format) {
  nlohmann::json in = {{"sample_type", data::sample_type_name(format.type)},
                       {"shape", format.shape},
                       {"scale", format.type == data::SampleType::kUInt8 ? 1.0 / 255.0 : 1.0},
                       {"mean", format.mean},
                       {"std", format.std}};
  if (format.normalised()) in["norm_source"] = format.norm_source;
  return in;
}

nlohmann::json model_meta(model::ModelImpl& model, const model::ModelOptions& options, const nlohmann::json& input) {
  return {{"input_shape", options.input_shape},
          {"num_classes", options.num_classes},
          {"task_classes", options.task_classes},
          {"input", input},
          {"signature", model::signature_json(model::signature_of(model::named_state(model)))}};
}

std::string save_checkpoint(Run& run, const Position& next, const eval::RunResults& results) {
  // The buffers as evaluation would see them (averaged over ranks) for
  // model.pt; each rank's own are saved too, for an exact resume.
  model::NamedTensors averaged;
  std::vector<torch::Tensor> copies;
  for (auto& [name, b] : buffers_of(*run.model)) {
    averaged.emplace_back(name, b.detach().clone());
    copies.push_back(averaged.back().second);
  }
  average_float_tensors(*run.grad_comm, copies);
  CheckpointWriters w;
  w.rank0 = [&](const std::string& dir) {
    const nlohmann::json meta = {{"format", kCheckpointFormat},
                                 {"format_version", kCheckpointFormatVersion},
                                 {"position",
                                  {{"task", next.task}, {"epoch", next.epoch}, {"step", next.step},
                                   {"global_step", next.global_step}}},
                                 {"world_size", run.control.world_size()},
                                 {"config", to_json(run.options)},
                                 {"model", model_meta(*run.model, run.model_options, input_meta(run.stream->sample_format()))},
                                 {"results", eval::results_json(results)}};
    write_file_atomically(dir + "/meta.json", meta.dump(1) + "\n");
    torch::serialize::OutputArchive archive;
    model::NamedTensors state;
    for (const auto& p : run.model->named_parameters(/*recurse=*/true)) state.emplace_back(p.key(), p.value());
    state.insert(state.end(), averaged.begin(), averaged.end());
    model::write_named(archive, "model", state);
    for (auto& [name, tensor] : run.optimizer->state()) strategies::save_tensor(archive, "opt." + name, *tensor);
    run.strategy->save_state(archive);
    write_file_atomically(dir + "/model.pt", archive_bytes(archive));
  };
  w.every_rank = [&](const std::string& dir) {  // the replay memory's shards (each synced by its writer)
    if (strategies::ReplayMemory* memory = run.strategy->memory()) memory->save(dir + "/replay");
    if (!averaged.empty()) {
      fs::create_directories(dir + "/buffers");
      torch::serialize::OutputArchive archive;
      model::write_named(archive, "buffers", buffers_of(*run.model));
      const std::string file = rank_buffers_file(dir, run.control.rank());
      write_file_atomically(file, archive_bytes(archive));
    }
  };
  return write_checkpoint(run.options.run.run_dir, next, run.options.checkpoint.keep, run.control, w);
}

std::optional<std::string> checkpoint_to_resume(const CheckpointOptions& checkpoint, const std::string& run_dir,
                                                bool report) {
  if (checkpoint.resume != "auto") {
    verify_checkpoint_files(checkpoint.resume);
    return checkpoint.resume;
  }
  return latest_checkpoint(run_dir, report);
}

nlohmann::json read_checkpoint_meta(const std::string& dir, const TrainOptions& now,
                                    std::vector<std::string>* differ) {
  if (!fs::exists(fs::path(dir) / "DONE")) {
    throw InputError(with_hint("checkpoint " + dir + " is incomplete or missing (no DONE marker)",
                               "use --resume auto to pick the newest complete checkpoint"));
  }
  std::ifstream in(fs::path(dir) / "meta.json");
  const nlohmann::json meta = nlohmann::json::parse(in, nullptr, false);
  if (meta.is_discarded() || !meta.is_object() || !meta.contains("config") || !meta.contains("position") ||
      !meta.contains("results")) {
    throw InputError(with_hint(dir + "/meta.json is damaged", "resume from an older checkpoint (pass its directory "
                                                              "to --resume)"));
  }
  // Checkpoints written before the format was named are version 1 too.
  const std::string format = meta.value("format", std::string(kCheckpointFormat));
  const int version = meta.value("format_version", kCheckpointFormatVersion);
  if (format != kCheckpointFormat || version > kCheckpointFormatVersion) {
    throw InputError(with_hint(dir + " holds format '" + format + "' version " + std::to_string(version) +
                                   "; this mnemo reads '" + kCheckpointFormat + "' up to version " +
                                   std::to_string(kCheckpointFormatVersion),
                               "resume it with the mnemo that wrote it"));
  }
  const std::vector<std::string> d = result_affecting_differences(meta.at("config"), now);
  if (!d.empty() && !now.checkpoint.force) {
    std::string list;
    for (const auto& x : d) list += "\n    " + x;
    throw UsageError(with_hint("checkpoint " + dir + " was made with different result-affecting options:" + list,
                               "resume with the same options, or pass --force to continue anyway"));
  }
  if (differ != nullptr) *differ = d;
  return meta;
}

Position restore_checkpoint(Run& run, const std::string& dir, eval::RunResults& results) {
  std::vector<std::string> differ;
  const nlohmann::json meta = read_checkpoint_meta(dir, run.options, &differ);
  results = eval::results_from_json(meta.at("results"));
  results.config = to_json(run.options);
  const auto& p = meta.at("position");
  const Position at{p.at("task").get<std::int64_t>(), p.at("epoch").get<std::int64_t>(),
                    p.at("step").get<std::int64_t>(), p.at("global_step").get<std::int64_t>()};
  // A growing network takes the shape it had, before anything is compared or loaded.
  if (run.model->grow_to_task(std::max<std::int64_t>(0, at.last_begun_task()))) rebuild_flat_parameters(run);
  const int version = meta.value("format_version", 1);
  if (version >= 2 && !meta.contains("model")) throw InputError(with_hint(dir + "/meta.json has no model section",
                                                                          "resume from an older checkpoint"));
  if (version >= 2) {  // the signature first: a clear list instead of a failed read
    const auto diff = model::signature_differences(model::signature_of(model::named_state(*run.model)),
                                                   model::signature_from_json(meta.at("model").at("signature")));
    if (!diff.empty()) {
      std::string list;
      for (const auto& d : diff) list += "\n    " + d;
      throw InputError(with_hint("checkpoint " + dir + " holds another model (" + std::to_string(diff.size()) +
                                     " difference(s) from --model " + run.options.model.name + "):" + list,
                                 "resume with the --model, --hidden and stream the checkpoint was made with"));
    }
  }
  torch::serialize::InputArchive archive;
  model::NamedTensors state;
  try {
    archive.load_from(dir + "/model.pt");
    if (version >= 2) state = model::read_named(archive, "model");
  } catch (const c10::Error& e) {
    throw InputError(with_hint(dir + "/model.pt is damaged or not a mnemo checkpoint",
                               "resume from an older checkpoint (pass its directory to --resume)"));
  }
  if (version >= 2) {
    model::load_named_state(*run.model, state, dir + "/model.pt");
    const std::string own = rank_buffers_file(dir, run.control.rank());
    if (meta.at("world_size").get<int>() == run.control.world_size() && fs::exists(own)) {
      torch::serialize::InputArchive rank_archive;
      rank_archive.load_from(own);
      model::load_named_state(*run.model, model::read_named(rank_archive, "buffers"), own,
                              /*skip=*/parameter_names(*run.model));
    }
  } else {
    restore_flat_values(run, archive, dir);
  }
  for (auto& [name, tensor] : run.optimizer->state()) {
    strategies::load_tensor(archive, "opt." + name, *tensor, run.device);
  }
  run.strategy->load_state(archive);
  if (strategies::ReplayMemory* memory = run.strategy->memory()) {
    memory->load(dir + "/replay");  // any world size: samples keep their global slots
  }
  spdlog::info("resumed from {} at task {} epoch {} step {} (trained on {} ranks, now {}){}", dir, at.task, at.epoch,
               at.step, meta.at("world_size").get<int>(), run.control.world_size(),
               differ.empty() ? "" : "; --force: options differ");
  return at;
}

}  // namespace mnemo::train
