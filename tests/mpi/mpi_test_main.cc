// Implements: the GoogleTest main for tests run under mpiexec. Every rank
//   runs every test; rank 0 prints GoogleTest's usual output, the other
//   ranks print only their failed tests (name, file:line and message), in
//   rank order, and the ranks agree on the verdict (a summed failure count)
//   so the exit code is the same on all of them.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "comm/communicator.h"
#include "mpi_env.h"

namespace mnemo::testing {

Communicator* g_world = nullptr;

Communicator& world() { return *g_world; }

namespace {

/// Collects each failed test with its failure messages, printed after the run.
class FailureRecorder : public ::testing::EmptyTestEventListener {
 public:
  void OnTestPartResult(const ::testing::TestPartResult& part) override {
    if (!part.failed()) return;
    parts_ += "  " + std::string(part.file_name() ? part.file_name() : "?") + ":" +
              std::to_string(part.line_number()) + ": " + part.message() + "\n";
  }
  void OnTestEnd(const ::testing::TestInfo& test) override {
    if (test.result()->Failed()) {
      report_ += "[  FAILED  ] " + std::string(test.test_suite_name()) + "." + test.name() + "\n" + parts_;
    }
    parts_.clear();
  }
  const std::string& report() const { return report_; }

 private:
  std::string parts_;
  std::string report_;
};

}  // namespace
}  // namespace mnemo::testing

int main(int argc, char** argv) {
  mnemo::MpiSession mpi(&argc, &argv);
  auto world = mnemo::make_mpi_communicator();
  mnemo::testing::g_world = world.get();
  ::testing::InitGoogleTest(&argc, argv);
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  mnemo::testing::FailureRecorder* recorder = nullptr;
  if (world->rank() != 0) {
    delete listeners.Release(listeners.default_result_printer());
    recorder = new mnemo::testing::FailureRecorder;
    listeners.Append(recorder);  // owned by GoogleTest
  }
  const int local = RUN_ALL_TESTS();
  const int failed_tests = ::testing::UnitTest::GetInstance()->failed_test_count();
  // Failing non-zero ranks name their failed tests, one rank after another.
  for (int r = 1; r < world->world_size(); ++r) {
    world->barrier();
    if (r == world->rank() && failed_tests > 0) {
      std::fprintf(stderr, "[rank %d] %d test(s) failed on this rank:\n%s", r, failed_tests,
                   recorder->report().c_str());
      std::fflush(stderr);
    }
  }
  std::int64_t failures = local != 0 ? 1 : 0;
  world->allreduce_sum(&failures, 1, mnemo::DType::kInt64);
  if (world->rank() == 0) {
    std::printf("mpi tests on %d ranks: %lld rank(s) failed\n", world->world_size(),
                static_cast<long long>(failures));
  }
  world.reset();
  return failures == 0 ? 0 : 1;
}
