// Implements: write_results_h5.
#include "eval/results_h5.h"

#include <unistd.h>

#include <cstdio>

#include "core/atomic_file.h"
#include "core/error.h"
#include "data/io/h5.h"

namespace mnemo::eval {

namespace h5 = io::h5;

namespace {

std::vector<double> flatten(const Matrix& m) {
  std::vector<double> out;
  for (const auto& row : m) out.insert(out.end(), row.begin(), row.end());
  return out;
}

void write_matrix(const h5::Loc& loc, const std::string& name, const Matrix& m) {
  const auto rows = static_cast<std::int64_t>(m.size());
  const auto cols = m.empty() ? std::int64_t{0} : static_cast<std::int64_t>(m[0].size());
  const auto flat = flatten(m);
  h5::write_dataset(loc, name, {rows, cols}, flat.data(), std::max<std::int64_t>(rows, 1), 0);
}

void write_vector(const h5::Loc& loc, const std::string& name, const std::vector<double>& v) {
  h5::write_dataset(loc, name, {static_cast<std::int64_t>(v.size())}, v.data(),
                    std::max<std::int64_t>(1, static_cast<std::int64_t>(v.size())), 0);
}

}  // namespace

void write_results_h5(const std::string& path, const RunResults& r) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    auto file = h5::File::create(tmp, /*large_attributes=*/true);  // results_json grows with the tasks
    h5::Loc root{file, file.id(), "/"};
    h5::write_attr(root, "schema", std::string("mnemo.results"));
    h5::write_attr(root, "schema_version", kResultsSchemaVersion);
    h5::write_attr(root, "results_json", results_json(r).dump());
    auto acc = h5::create_group(root, "accuracy");
    h5::Loc accl{file, acc.id(), "/accuracy"};
    write_matrix(accl, "class_il", r.class_il);
    write_matrix(accl, "task_il", r.task_il);
    auto base = h5::create_group(root, "baseline");
    h5::Loc basel{file, base.id(), "/baseline"};
    write_vector(basel, "class_il", r.baseline_class_il);
    write_vector(basel, "task_il", r.baseline_task_il);
    for (const auto& [name, matrices] : {std::pair<const char*, const std::vector<std::vector<std::int64_t>>&>{
                                             "confusion", r.confusion},
                                         {"confusion_task_il", r.confusion_task_il}}) {
      std::vector<std::int64_t> flat;
      for (const auto& c : matrices) flat.insert(flat.end(), c.begin(), c.end());
      const auto k = static_cast<std::int64_t>(matrices.size());
      h5::write_dataset(root, name, {k, r.num_classes, r.num_classes}, flat.data(), std::max<std::int64_t>(k, 1), 0);
    }
    auto cost = h5::create_group(root, "cost");
    h5::Loc costl{file, cost.id(), "/cost"};
    std::vector<double> seconds, comm;
    std::vector<std::int64_t> rss;
    for (const auto& t : r.tasks) {
      seconds.push_back(t.seconds);
      comm.push_back(t.comm_seconds);
      rss.push_back(t.peak_rss_bytes);
    }
    write_vector(costl, "seconds", seconds);
    write_vector(costl, "comm_seconds", comm);
    h5::write_dataset(costl, "peak_rss_bytes", {static_cast<std::int64_t>(rss.size())}, rss.data(),
                      std::max<std::int64_t>(1, static_cast<std::int64_t>(rss.size())), 0);
    file.close();
  }
  commit_file(tmp, path);
}

}  // namespace mnemo::eval
