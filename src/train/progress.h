// Implements: rank 0's progress display for one task. On a terminal it is a
//   bar redrawn in place (step, loss, samples/s, ETA); otherwise it emits a
//   plain log line every `log_every` steps. Other ranks show nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace mnemo::train {

class Progress {
 public:
  Progress(bool enabled, std::int64_t task, std::int64_t epoch, std::int64_t steps, std::int64_t log_every);
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
