// Implements: the world-size-1 backend. Collectives are identities, so
//   single-process runs and tests link and run without any transport.
#include <cstdlib>
#include <cstring>

#include "comm/communicator.h"

namespace mnemo {
namespace {

class LocalCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  int local_rank() const override { return 0; }
  int local_size() const override { return 1; }
  std::string backend() const override { return "local"; }
  BufferPlace buffer_place() const override { return BufferPlace::kHost; }
  void allreduce_sum(void*, std::size_t, DType) override {}
  void allreduce_max(void*, std::size_t, DType) override {}
  void broadcast(void*, std::size_t, DType, int) override {}
  void reduce_sum(void*, std::size_t, DType, int) override {}
  void allgather(const void* send, void* recv, std::size_t count, DType dtype) override {
    if (count > 0) std::memmove(recv, send, count * dtype_size(dtype));
  }
  void barrier() override {}
  [[noreturn]] void abort(int exit_code) override { std::_Exit(exit_code); }
};

}  // namespace

std::unique_ptr<Communicator> make_local_communicator() { return std::make_unique<LocalCommunicator>(); }

}  // namespace mnemo
