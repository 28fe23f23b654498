// Implements: save_checkpoint, read_checkpoint_meta and restore_checkpoint
//   (see run_state.h).
#include "train/run_state.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "strategies/replay_memory.h"
#include "strategies/state_io.h"

namespace mnemo::train {

namespace fs = std::filesystem;

std::string save_checkpoint(Run& run, const Position& next, const eval::RunResults& results) {
  CheckpointWriters w;
  w.rank0 = [&](const std::string& dir) {
    const nlohmann::json meta = {{"format", kCheckpointFormat},
                                 {"format_version", kCheckpointFormatVersion},
                                 {"position",
                                  {{"task", next.task}, {"epoch", next.epoch}, {"step", next.step},
                                   {"global_step", next.global_step}}},
                                 {"world_size", run.control.world_size()},
                                 {"config", to_json(run.options)},
                                 {"results", eval::results_json(results)}};
    write_file_atomically(dir + "/meta.json", meta.dump(1) + "\n");
    torch::serialize::OutputArchive archive;
    archive.write("values", run.flat->values().to(torch::kCPU));
    for (auto& [name, tensor] : run.optimizer->state()) strategies::save_tensor(archive, "opt." + name, *tensor);
    run.strategy->save_state(archive);
    archive.save_to(dir + "/model.pt");
    sync_file(dir + "/model.pt");
  };
  w.every_rank = [&](const std::string& dir) {  // the replay memory's shards (each synced by its writer)
    if (strategies::ReplayMemory* memory = run.strategy->memory()) memory->save(dir + "/replay");
  };
  return write_checkpoint(run.options.run.run_dir, next, run.options.checkpoint.keep, run.control, w);
}

std::optional<std::string> checkpoint_to_resume(const CheckpointOptions& checkpoint, const std::string& run_dir) {
  if (checkpoint.resume != "auto") return checkpoint.resume;
  return latest_checkpoint(run_dir);
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
  torch::serialize::InputArchive archive;
  torch::Tensor values;
  try {
    archive.load_from(dir + "/model.pt");
    archive.read("values", values);
  } catch (const c10::Error& e) {
    throw InputError(with_hint(dir + "/model.pt is damaged or not a mnemo checkpoint",
                               "resume from an older checkpoint (pass its directory to --resume)"));
  }
  if (values.numel() != run.flat->numel()) throw InputError(dir + "/model.pt holds another model");
  {
    torch::NoGradGuard no_grad;
    run.flat->values().copy_(values);
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
