// Implements: what rank 0 says about a run: the stream's description in
//   results.json, the log line after each task, and the final matrices,
//   metrics and result files.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "data/stream_reader.h"
#include "eval/results_writer.h"

namespace mnemo::train {

/// results.json "stream": the directory, identity, classes and provenance.
nlohmann::json stream_info(const data::StreamReader& stream, const std::string& dir);

/// One log line after task t: costs and the class-IL row so far.
std::string task_summary(std::int64_t t, const eval::RunResults& results);

/// Prints the matrices and metrics to stdout and writes the result files.
void report_results(const eval::RunResults& results, const std::string& run_dir);

}  // namespace mnemo::train
