// Implements: CheckedCommunicator (see checked_communicator.h).
#include "comm/checked_communicator.h"

#include <cstdlib>
#include <sstream>
#include <vector>

#include "core/error.h"

namespace mnemo {
namespace {

enum Op : std::int64_t { kAllreduceSum = 1, kAllreduceMax, kBroadcast, kReduceSum, kBarrier, kAllgather };

const char* op_name(std::int64_t op) {
  switch (op) {
    case kAllreduceSum: return "allreduce_sum";
    case kAllreduceMax: return "allreduce_max";
    case kBroadcast: return "broadcast";
    case kReduceSum: return "reduce_sum";
    case kBarrier: return "barrier";
    case kAllgather: return "allgather";
    default: return "?";
  }
}

class CheckedCommunicator final : public Communicator {
 public:
  CheckedCommunicator(Communicator& inner, std::unique_ptr<Communicator> owned, std::string name)
      : owned_(std::move(owned)), inner_(inner), check_(make_mpi_communicator()), name_(std::move(name)) {}

  int rank() const override { return inner_.rank(); }
  int world_size() const override { return inner_.world_size(); }
  int local_rank() const override { return inner_.local_rank(); }
  int local_size() const override { return inner_.local_size(); }
  std::string backend() const override { return inner_.backend() + "+checked"; }
  BufferPlace buffer_place() const override { return inner_.buffer_place(); }
  bool asynchronous() const override { return inner_.asynchronous(); }

  void allreduce_sum(void* d, std::size_t n, DType t) override {
    verify(kAllreduceSum, n * dtype_size(t), -1);
    inner_.allreduce_sum(d, n, t);
  }
  std::unique_ptr<Request> allreduce_sum_async(void* d, std::size_t n, DType t) override {
    verify(kAllreduceSum, n * dtype_size(t), -1);
    return inner_.allreduce_sum_async(d, n, t);
  }
  void allreduce_max(void* d, std::size_t n, DType t) override {
    verify(kAllreduceMax, n * dtype_size(t), -1);
    inner_.allreduce_max(d, n, t);
  }
  void broadcast(void* d, std::size_t n, DType t, int root) override {
    verify(kBroadcast, n * dtype_size(t), root);
    inner_.broadcast(d, n, t, root);
  }
  void reduce_sum(void* d, std::size_t n, DType t, int root) override {
    verify(kReduceSum, n * dtype_size(t), root);
    inner_.reduce_sum(d, n, t, root);
  }
  void allgather(const void* send, void* recv, std::size_t n, DType t) override {
    verify(kAllgather, n * dtype_size(t), -1);
    inner_.allgather(send, recv, n, t);
  }
  void barrier() override {
    verify(kBarrier, 0, -1);
    inner_.barrier();
  }
  [[noreturn]] void abort(int code) override {
    inner_.abort(code);
    std::_Exit(code);  // the inner abort does not return; this tells the compiler
  }

 private:
  void verify(std::int64_t op, std::size_t bytes, int root) {
    constexpr int kFields = 4;
    const int n = world_size();
    std::vector<std::int64_t> all(static_cast<std::size_t>(kFields * n), 0);
    const std::int64_t mine[kFields] = {++sequence_, op, static_cast<std::int64_t>(bytes), root};
    std::copy(mine, mine + kFields, all.begin() + kFields * rank());
    check_->allreduce_sum(all);
    bool same = true;
    for (int r = 1; r < n; ++r) same &= std::equal(all.begin(), all.begin() + kFields, all.begin() + kFields * r);
    if (same) return;
    std::ostringstream os;
    os << "collective mismatch on the " << name_ << " communicator:";
    for (int r = 0; r < n; ++r) {
      const auto* f = all.data() + kFields * r;
      os << "\n    rank " << r << ": #" << f[0] << " " << op_name(f[1]) << " of " << f[2] << " bytes";
      if (f[3] >= 0) os << " (root " << f[3] << ")";
    }
    throw Error(with_hint(os.str(), "the ranks diverged: every rank must issue the same collectives in the same "
                                    "order (a bug in a strategy or in mnemo)"));
  }

  std::unique_ptr<Communicator> owned_;
  Communicator& inner_;
  std::unique_ptr<Communicator> check_;
  std::string name_;
  std::int64_t sequence_ = 0;
};

}  // namespace

std::unique_ptr<Communicator> make_checked_communicator(Communicator& inner, const std::string& name) {
  return std::make_unique<CheckedCommunicator>(inner, nullptr, name);
}

std::unique_ptr<Communicator> make_checked_communicator(std::unique_ptr<Communicator> inner, const std::string& name) {
  Communicator& ref = *inner;
  return std::make_unique<CheckedCommunicator>(ref, std::move(inner), name);
}

}  // namespace mnemo
