// Implements: rank 0's progress display for one task: a bar redrawn in
//   place (step, loss, samples/s, ETA), or a plain log line every
//   `log_every` steps. --progress auto draws the bar when stderr is a
//   terminal, or when the launcher's was (mpirun hands ranks a pipe;
//   launch/mnemo-mpirun then sets MNEMO_PROGRESS_TTY=1). Other ranks show
//   nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace mnemo::train {

enum class ProgressMode { kAuto, kBar, kLines, kNone };

class Progress {
 public:
  Progress(bool enabled, ProgressMode mode, std::int64_t task, std::int64_t epoch, std::int64_t steps, std::int64_t log_every);
  /// After a step that trained on `samples` global samples with mean loss
  /// `loss`; `note` (e.g. the replay fill) is called only for a log line.
  void update(std::int64_t step, double loss, std::int64_t samples, const std::function<std::string()>& note);
  /// Ends the bar's line (terminal mode).
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_, tty_;
  std::int64_t task_, epoch_, steps_, log_every_;
  Clock::time_point start_, last_draw_;
  double loss_sum_ = 0;
  std::int64_t loss_count_ = 0, samples_ = 0;
};

}  // namespace mnemo::train
