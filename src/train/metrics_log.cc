// Implements: the metrics log (see metrics_log.h).
#include "train/metrics_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"

namespace mnemo::train {

namespace {

constexpr std::int64_t kRowsPerTask = 200;
constexpr std::size_t kTerms = strategies::kMaxLossTerms;

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double unix_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// The rows of an existing log up to `last_step`, after its header; nullopt
// when its header is not `header` (another run's columns).
std::optional<std::string> rows_up_to(const std::string& path, const std::string& header, std::int64_t last_step) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();
  std::size_t pos = text.find('\n');
  if (pos == std::string::npos || text.substr(0, pos) != header) return std::nullopt;
  std::string kept;
  for (std::size_t begin = pos + 1; begin < text.size();) {
    const std::size_t end = text.find('\n', begin);
    if (end == std::string::npos) break;  // a row torn by the kill
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    char* parsed_end = nullptr;
    const long long step = std::strtoll(line.c_str(), &parsed_end, 10);
    if (parsed_end == line.c_str() || *parsed_end != ',' || step > last_step) continue;
    kept += line + "\n";
  }
  return kept;
}

std::string cell(const std::optional<double>& v, const char* format = "{:.6g}") {
  return v ? fmt::format(fmt::runtime(format), *v) : "";
}

}  // namespace

std::int64_t metrics_interval(std::int64_t every, std::int64_t steps) {
  if (every > 0) return every;
  return std::max<std::int64_t>(1, steps / kRowsPerTask);
}

std::vector<std::string> metrics_columns(const std::vector<std::string>& loss_names, std::int64_t num_tasks) {
  std::vector<std::string> c = {"step", "task", "epoch", "time", "lr", "loss"};
  for (const auto& name : loss_names) c.push_back("loss_" + name);
  for (const char* name : {"samples_per_s", "comm_share", "input_wait_share", "acc_class_il", "acc_task_il"}) {
    c.emplace_back(name);
  }
  for (std::int64_t j = 0; j < num_tasks; ++j) c.push_back("class_il_task" + std::to_string(j));
  for (std::int64_t j = 0; j < num_tasks; ++j) c.push_back("task_il_task" + std::to_string(j));
  return c;
}

void MetricsWindow::restart(double comm_seconds, double input_wait_seconds) {
  start_time_ = steady_seconds();
  comm_start_ = comm_seconds;
  wait_start_ = input_wait_seconds;
  steps_ = samples_ = 0;
  total_ = 0;
  terms_ = {};
  term_steps_ = {};
}

void MetricsWindow::add_step(const StepLoss& loss, std::int64_t local_samples) {
  ++steps_;
  samples_ += local_samples;
  total_ += loss.total;
  for (std::size_t k = 0; k < kTerms; ++k) {
    if (!loss.present[k]) continue;
    terms_[k] += loss.terms[k];
    ++term_steps_[k];
  }
}

MetricsRow MetricsWindow::reduce(Communicator& control, double comm_seconds, double input_wait_seconds,
                                 std::size_t num_terms) {
  enum : std::size_t { kTotal = kTerms, kSamples, kComm, kWait, kElapsed, kSlots };
  std::array<double, kSlots> sums{};
  for (std::size_t k = 0; k < kTerms; ++k) sums[k] = terms_[k];
  sums[kTotal] = total_;
  sums[kSamples] = static_cast<double>(samples_);
  sums[kComm] = comm_seconds - comm_start_;
  sums[kWait] = input_wait_seconds - wait_start_;
  sums[kElapsed] = steady_seconds() - start_time_;
  control.allreduce_sum(sums.data(), sums.size(), DType::kFloat64);
  const double ranks = control.world_size();
  const double elapsed = sums[kElapsed] / ranks;  // the ranks' mean
  MetricsRow row;
  row.time = unix_seconds();
  const double steps = static_cast<double>(std::max<std::int64_t>(1, steps_));
  row.loss = sums[kTotal] / steps;
  for (std::size_t k = 0; k < num_terms; ++k) {
    if (k < kTerms && term_steps_[k] > 0) {
      row.terms.emplace_back(sums[k] / static_cast<double>(term_steps_[k]));
    } else {
      row.terms.emplace_back(std::nullopt);
    }
  }
  row.samples_per_s = elapsed > 0 ? sums[kSamples] / elapsed : 0;
  row.comm_share = elapsed > 0 ? sums[kComm] / ranks / elapsed : 0;
  row.input_wait_share = elapsed > 0 ? sums[kWait] / ranks / elapsed : 0;
  restart(comm_seconds, input_wait_seconds);
  return row;
}

MetricsLog::MetricsLog(const std::string& path, std::vector<std::string> columns, std::int64_t resume_step)
    : path_(path), columns_(std::move(columns)) {
  for (const auto& c : columns_) num_tasks_ += c.rfind("class_il_task", 0) == 0 ? 1 : 0;
  const std::string header = join(columns_);
  std::string content = header + "\n";
  if (resume_step > 0 && std::filesystem::exists(path)) {
    if (auto rows = rows_up_to(path, header, resume_step)) {
      content += *rows;
    } else {
      std::error_code ec;
      std::filesystem::rename(path, path + ".prev", ec);
    }
  }
  write_file_atomically(path, content);
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) {
    throw StorageError("cannot append to " + path + ": " + std::strerror(errno), "check the run directory");
  }
}

MetricsLog::~MetricsLog() {
  if (file_ != nullptr) std::fclose(file_);
}

void MetricsLog::write(const MetricsRow& row) {
  std::string line = fmt::format("{},{},{},{:.3f},{:.6g},{:.6g}", row.step, row.task, row.epoch, row.time, row.lr,
                                 row.loss);
  for (const auto& term : row.terms) line += "," + cell(term);
  line += fmt::format(",{:.6g},{:.4f},{:.4f}", row.samples_per_s, row.comm_share, row.input_wait_share);
  const bool evaluated = !row.class_il.empty();
  auto seen_mean = [&](const std::vector<double>& acc) {
    double sum = 0;
    const auto seen = static_cast<std::size_t>(row.task + 1);
    for (std::size_t j = 0; j < seen && j < acc.size(); ++j) sum += acc[j];
    return sum / static_cast<double>(std::min(seen, acc.size()));
  };
  line += "," + cell(evaluated ? std::optional<double>(seen_mean(row.class_il)) : std::nullopt);
  line += "," + cell(evaluated ? std::optional<double>(seen_mean(row.task_il)) : std::nullopt);
  for (const auto* acc : {&row.class_il, &row.task_il}) {
    for (std::size_t j = 0; j < num_tasks_; ++j) {
      line += "," + cell(j < acc->size() ? std::optional<double>((*acc)[j]) : std::nullopt);
    }
  }
  line += "\n";
  if (std::fputs(line.c_str(), file_) < 0 || std::fflush(file_) != 0) {
    throw StorageError("cannot append to " + path_ + ": " + std::strerror(errno), "check free space");
  }
}

}  // namespace mnemo::train
