// Implements: Progress.
#include "train/progress.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/env.h"

namespace mnemo::train {

namespace {

bool draws_bar(ProgressMode mode) {
  if (mode != ProgressMode::kAuto) return mode == ProgressMode::kBar;
  return ::isatty(STDERR_FILENO) != 0 || env::get(env::kProgressTty) == "1";
}

}  // namespace

Progress::Progress(bool enabled, ProgressMode mode, std::int64_t task, std::int64_t epoch, std::int64_t steps,
                   std::int64_t log_every)
    : enabled_(enabled && mode != ProgressMode::kNone),
      tty_(enabled_ && draws_bar(mode)),
      task_(task),
      epoch_(epoch),
      steps_(steps),
      log_every_(log_every > 0 ? log_every : std::max<std::int64_t>(1, steps / 4)),
      start_(Clock::now()),
      last_draw_(start_) {}

void Progress::update(std::int64_t step, double loss, std::int64_t samples,
                      const std::function<std::string()>& note) {
  if (!enabled_) return;
  loss_sum_ += loss;
  ++loss_count_;
  samples_ += samples;
  const auto now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(samples_) / elapsed : 0.0;
  const bool last = step + 1 == steps_;
  if (tty_) {
    if (!last && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const double eta = step + 1 > 0 ? elapsed * static_cast<double>(steps_ - step - 1) / static_cast<double>(step + 1) : 0;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * (step + 1) / std::max<std::int64_t>(1, steps_));
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r  task %lld epoch %lld [%s] %lld/%lld  loss %.4f  %.0f samples/s  ETA %.0fs   ",
                 static_cast<long long>(task_), static_cast<long long>(epoch_), bar.c_str(),
                 static_cast<long long>(step + 1), static_cast<long long>(steps_), loss_sum_ / loss_count_, rate, eta);
    std::fflush(stderr);
    return;
  }
  if ((step + 1) % log_every_ != 0 && !last) return;
  spdlog::info("task {} epoch {} step {}/{}: loss {:.4f}, {:.0f} samples/s; {}", task_, epoch_, step + 1, steps_,
               loss_sum_ / static_cast<double>(loss_count_), rate, note());
  loss_sum_ = 0;
  loss_count_ = 0;
}

void Progress::finish() {
  if (tty_) std::fprintf(stderr, "\n");
}

}  // namespace mnemo::train
