// Implements: model exports, `mnemo export` and --init (see model_export.h).
#include "train/model_export.h"

#include <spdlog/spdlog.h>
#include <torch/script.h>

#include <filesystem>
#include <sstream>
#include <fstream>
#include <optional>

#include "core/atomic_file.h"
#include "core/error.h"
#include "model/state_dict.h"
#include "model/torchscript.h"
#include "train/checkpoint.h"
#include "train/run_state.h"
#include "train/train_options.h"

namespace mnemo::train {

namespace fs = std::filesystem;

void write_model_export(model::ModelImpl& model, const model::ModelOptions& options, const nlohmann::json& input,
                        const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw StorageError("cannot create the export directory " + dir + ": " + ec.message());
  const std::string ts = dir + "/model.ts";
  std::optional<torch::jit::Module> scripted;
  try {
    scripted = model::to_torchscript(model);
  } catch (const UsageError& e) {  // a C++ model added outside mnemo: the state dict only
    static bool warned = false;
    if (!warned) spdlog::warn("no model.ts in {}: {}", dir, e.what());
    warned = true;
    fs::remove(ts, ec);
  }
  if (scripted) {
    // Serialised in memory, then written by us: LibTorch's file writer throws
    // from a destructor on a full disk, which ends the process.
    std::ostringstream bytes;
    scripted->save(bytes);
    write_file_atomically(ts, bytes.str());
  }
  model::save_state_dict_file(model::named_state(model), dir + "/state_dict.pt");
  nlohmann::json meta = model_meta(model, options, input);
  meta["model"] = options.name;
  write_file_atomically(dir + "/model.json", meta.dump(1) + "\n");
}

void export_checkpoint(const std::string& source, const std::string& output) {
  std::string dir = source;
  if (!fs::exists(fs::path(source) / "DONE")) {
    const auto latest = latest_checkpoint(source);
    if (!latest) {
      throw InputError(with_hint(source + " is neither a complete checkpoint nor a run directory with one",
                                 "give RUN_DIR or RUN_DIR/checkpoints/NAME (a directory holding DONE)"));
    }
    dir = *latest;
  }
  std::ifstream in(fs::path(dir) / "meta.json");
  const nlohmann::json meta = nlohmann::json::parse(in, nullptr, false);
  if (meta.is_discarded() || !meta.is_object() || !meta.contains("config")) {
    throw InputError(with_hint(dir + "/meta.json is damaged", "export an older checkpoint"));
  }
  if (!meta.contains("model")) {
    throw InputError(with_hint(dir + " is a version-1 checkpoint: it does not say the model's input shape",
                               "resume the run with this mnemo to write a version-2 checkpoint, then export it"));
  }
  TrainOptions options;
  {
    OptionTable table;
    options.declare(table);
    table.from_json(meta.at("config"));
  }
  model::ModelOptions mo = options.model;
  mo.input_shape = meta.at("model").at("input_shape").get<std::vector<std::int64_t>>();
  mo.num_classes = meta.at("model").at("num_classes").get<std::int64_t>();
  // Growing networks rebuild their shape from the stream's classes (checkpoints since they grew).
  mo.task_classes = meta.at("model").value("task_classes", std::vector<std::vector<std::int64_t>>{});
  const model::Model model = model::make_model(mo);
  if (meta.contains("position")) {  // a growing network: the shape it had then
    const auto& p = meta.at("position");
    const Position at{p.value("task", std::int64_t{0}), p.value("epoch", std::int64_t{0}),
                      p.value("step", std::int64_t{0}), 0};
    model->grow_to_task(std::max<std::int64_t>(0, at.last_begun_task()));
  }
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(dir + "/model.pt");
  } catch (const c10::Error&) {
    throw InputError(with_hint(dir + "/model.pt is damaged or not a mnemo checkpoint", "export an older checkpoint"));
  }
  model::load_named_state(*model, model::read_named(archive, "model"), dir + "/model.pt");
  model->eval();
  // Checkpoints before stream format 2 trained on uint8 images only.
  const nlohmann::json input =
      meta.at("model").contains("input")
          ? meta.at("model").at("input")
          : input_meta(data::SampleFormat{data::SampleType::kUInt8, mo.input_shape, {}, {}, {}});
  write_model_export(*model, mo, input, output);
  spdlog::info("exported {} to {}/ (model.ts, state_dict.pt, model.json)", dir, output);
}

void load_initial_weights(model::ModelImpl& model, const std::string& file, const std::vector<std::string>& skip) {
  std::string path = file;
  std::error_code ec;
  if (fs::is_directory(path, ec)) path = (fs::path(path) / "state_dict.pt").string();
  if (!fs::is_regular_file(path, ec)) {
    throw InputError(with_hint("--init " + path + " does not exist or is not a file",
                               "give a state dict, a TorchScript file or an export directory (RUN/model/final)"));
  }
  model::NamedTensors state;
  try {  // TorchScript first: a zip with code/ that pickle_load would not read
    torch::jit::Module scripted = torch::jit::load(path, torch::kCPU);
    for (const auto& p : scripted.named_parameters(/*recurse=*/true)) state.emplace_back(p.name, p.value);
    for (const auto& b : scripted.named_buffers(/*recurse=*/true)) state.emplace_back(b.name, b.value);
  } catch (const c10::Error&) {
    state = model::load_state_dict_file(path);
  }
  model::load_named_state(model, state, "--init " + path, skip);
  spdlog::info("initial weights from {}{}", path, skip.empty() ? "" : " (fresh: listed --init-skip layers)");
}

}  // namespace mnemo::train
