// Implements: run_main, the full mnemo command: the light app of app.h with
//   the commands that need LibTorch, train and export.
#include "cli/run_main.h"

#include <spdlog/spdlog.h>

#include "cli/app.h"
#include "cli/option_binding.h"
#include "comm/agreement.h"
#include "core/blas_kernels.h"
#include "train/model_export.h"
#include "train/train_options.h"
#include "train/trainer.h"

namespace mnemo::cli {
namespace {

class TrainAndExport final : public TorchCommands {
 public:
  void add(CLI::App& app, const char* footer) override {
    train_.declare(train_table_);
    train_cmd_ = app.add_subcommand("train", "Train on a task stream (run under mpirun for several ranks)");
    train_cmd_->fallthrough()->footer(footer);
    add_options(*train_cmd_, train_table_);
    export_cmd_ = app.add_subcommand(
        "export", "Write a checkpoint's model as TorchScript (model.ts) and a state dict (state_dict.pt)");
    export_cmd_->add_option("source", source_, "A checkpoint directory, or a run directory (its newest checkpoint)")
        ->required();
    export_cmd_->add_option("--output", output_, "Directory for model.ts, state_dict.pt and model.json")->required();
  }
  std::string parsed() const override {
    return train_cmd_ != nullptr && train_cmd_->parsed()     ? "train"
           : export_cmd_ != nullptr && export_cmd_->parsed() ? "export"
                                                             : "";
  }
  void validate() override {
    if (parsed() == "train") train_.validate();
  }
  void run(Communicator& control) override {
    if (parsed() == "train") {
      if (control.rank() == 0) spdlog::debug("resolved configuration:\n{}", train::to_json(train_).dump(2));
      train::run_training(train_, control);
    } else {
      run_agreed(control, [&] {
        if (control.rank() == 0) train::export_checkpoint(source_, output_);
      });
    }
  }
  std::vector<std::string> result_neutral_keys() const override { return train_result_neutral_keys(); }

 private:
  // The options are declared into the table, which binds them to train_: both live until the command has run.
  train::TrainOptions train_;
  OptionTable train_table_;
  std::string source_, output_;
  CLI::App* train_cmd_ = nullptr;
  CLI::App* export_cmd_ = nullptr;
};

}  // namespace

std::vector<std::string> train_result_neutral_keys() {
  train::TrainOptions defaults;
  OptionTable table;
  defaults.declare(table);
  std::vector<std::string> keys;
  for (const auto& spec : table.specs()) {
    if (spec.is_result_neutral()) keys.push_back(spec.json_key());
  }
  return keys;
}

int run_main(int argc, char** argv) {
  select_blas_kernels();  // before any BLAS call and before MPI's threads
  TrainAndExport torch;
  return run_cli(argc, argv, torch, MpiStart::kAlways);
}

}  // namespace mnemo::cli
