// Implements: split_by_time (see time_split.h).
#include "data/prepare/time_split.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include "core/error.h"

namespace mnemo::data {

namespace {

// Rows of `split` per task, by `task_of(row)` (in [0, tasks)).
std::vector<std::vector<std::int64_t>> group_rows(const LabeledImages& split, std::int64_t tasks,
                                                  const std::function<std::int64_t(std::int64_t)>& task_of) {
  std::vector<std::vector<std::int64_t>> rows(static_cast<std::size_t>(tasks));
  for (std::int64_t i = 0; i < split.count(); ++i) rows[static_cast<std::size_t>(task_of(i))].push_back(i);
  return rows;
}

TimeSplit resolve(const SourceDataset& s, TimeSplit how) {
  if (how != TimeSplit::kAuto) return how;
  if (!s.train.task.empty()) return TimeSplit::kTask;
  if (!s.train.time.empty()) return TimeSplit::kTime;
  return TimeSplit::kRows;
}

}  // namespace

TimeWindows split_by_time(const SourceDataset& source, TimeSplit how, std::int64_t tasks) {
  how = resolve(source, how);
  const LabeledImages &train = source.train, &test = source.test;
  std::vector<std::vector<std::int64_t>> train_rows, test_rows;
  std::vector<std::string> window;  // what each task covers, for messages
  TimeWindows out;
  if (how == TimeSplit::kTask) {
    if (train.task.empty() || test.task.empty()) {
      throw UsageError(with_hint("--split-by task needs a task column", "name it with --csv-task COLUMN"));
    }
    const std::set<std::int64_t> ids(train.task.begin(), train.task.end());
    const std::vector<std::int64_t> order(ids.begin(), ids.end());
    const auto index = [&](std::int64_t id) {
      return static_cast<std::int64_t>(std::lower_bound(order.begin(), order.end(), id) - order.begin());
    };
    for (std::size_t i = 0; i < test.task.size(); ++i) {
      if (ids.count(test.task[i]) == 0) {
        throw InputError(with_hint("test row " + std::to_string(i) + " has task " + std::to_string(test.task[i]) +
                                       ", which no training row has",
                                   "every task needs training rows; check the task column of both files"));
      }
    }
    tasks = static_cast<std::int64_t>(order.size());
    train_rows = group_rows(train, tasks, [&](std::int64_t i) { return index(train.task[i]); });
    test_rows = group_rows(test, tasks, [&](std::int64_t i) { return index(test.task[i]); });
    for (auto id : order) window.push_back("task column value " + std::to_string(id));
    out.describe = "by the task column: " + std::to_string(tasks) + " tasks";
  } else if (how == TimeSplit::kTime) {
    if (train.time.empty() || test.time.empty()) {
      throw UsageError(with_hint("--split-by time needs a time column", "name it with --csv-time COLUMN"));
    }
    const auto [lo_it, hi_it] = std::minmax_element(train.time.begin(), train.time.end());
    const double lo = *lo_it, hi = *hi_it, width = (hi - lo) / static_cast<double>(tasks);
    const auto task_of_time = [&](double t) {
      if (width <= 0) return std::int64_t{0};
      return std::clamp<std::int64_t>(static_cast<std::int64_t>(std::floor((t - lo) / width)), 0, tasks - 1);
    };
    train_rows = group_rows(train, tasks, [&](std::int64_t i) { return task_of_time(train.time[i]); });
    test_rows = group_rows(test, tasks, [&](std::int64_t i) { return task_of_time(test.time[i]); });
    for (std::int64_t k = 0; k < tasks; ++k) {
      window.push_back("time window [" + std::to_string(lo + static_cast<double>(k) * width) + ", " +
                       std::to_string(lo + static_cast<double>(k + 1) * width) + (k + 1 == tasks ? "]" : ")"));
    }
    out.describe = "by time: " + std::to_string(tasks) + " equal windows of the training rows' time";
  } else {
    const auto by_rows = [tasks](std::int64_t n) {
      return [n, tasks](std::int64_t i) { return std::min(tasks - 1, i * tasks / std::max<std::int64_t>(1, n)); };
    };
    train_rows = group_rows(train, tasks, by_rows(train.count()));
    test_rows = group_rows(test, tasks, by_rows(test.count()));
    for (std::int64_t k = 0; k < tasks; ++k) window.push_back("row window " + std::to_string(k + 1) + " of " + std::to_string(tasks));
    out.describe = "by rows: " + std::to_string(tasks) + " equal windows in the source's order";
  }
  for (std::int64_t k = 0; k < tasks; ++k) {
    const auto& tr = train_rows[static_cast<std::size_t>(k)];
    const auto& te = test_rows[static_cast<std::size_t>(k)];
    if (tr.empty() || te.empty()) {
      throw InputError(with_hint("task " + std::to_string(k) + " (" + window[static_cast<std::size_t>(k)] +
                                     ") has no " + (tr.empty() ? "training" : "test") + " rows",
                                 "use fewer --tasks, or --split-by rows, so that every window has data"));
    }
    out.train.push_back(take_rows(train, tr));
    out.test.push_back(take_rows(test, te));
    std::set<std::int64_t> labels(out.train.back().labels.begin(), out.train.back().labels.end());
    labels.insert(out.test.back().labels.begin(), out.test.back().labels.end());
    out.classes.emplace_back(labels.begin(), labels.end());
  }
  return out;
}

}  // namespace mnemo::data
