// Implements: the GoogleTest main for tests run under mpiexec. Every rank
//   runs every test; only failing ranks print, in rank order, and the ranks
//   agree on the verdict (a summed failure count) so the exit code is the same
//   on all of them.
#include <gtest/gtest.h>

#include <memory>

#include "comm/communicator.h"
#include "mpi_env.h"

namespace mnemo::testing {

Communicator* g_world = nullptr;

Communicator& world() { return *g_world; }

}  // namespace mnemo::testing

int main(int argc, char** argv) {
  mnemo::MpiSession mpi(&argc, &argv);
  auto world = mnemo::make_mpi_communicator();
  mnemo::testing::g_world = world.get();
  ::testing::InitGoogleTest(&argc, argv);
  auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
  if (world->rank() != 0) delete listeners.Release(listeners.default_result_printer());
  const int local = RUN_ALL_TESTS();
  const int failed_tests = ::testing::UnitTest::GetInstance()->failed_test_count();
  // Failing non-zero ranks report, one after another.
  for (int r = 1; r < world->world_size(); ++r) {
    world->barrier();
    if (r == world->rank() && failed_tests > 0) {
      std::fprintf(stderr, "[rank %d] %d test(s) failed on this rank\n", r, failed_tests);
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
