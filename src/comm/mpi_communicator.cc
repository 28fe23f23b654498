// Implements: the MPI session and the MPI backend (host buffers).
//   Errors return instead of aborting (MPI_ERRORS_RETURN), so they become
//   exceptions with context; main then aborts the job so no peer hangs.
#include <mpi.h>

#include <csignal>
#include <cstdlib>
#include <sstream>
#include <string>

#include "comm/communicator.h"
#include "comm/mpi_check.h"
#include "comm/node_shared_sum.h"
#include "core/deadline.h"
#include "core/env.h"
#include "core/error.h"
#include "core/half.h"

namespace mnemo {

void throw_mpi_error(int code, const char* call, const char* file, int line) {
  char msg[MPI_MAX_ERROR_STRING] = {0};
  int len = 0;
  MPI_Error_string(code, msg, &len);
  int rank = -1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  std::ostringstream os;
  os << "MPI error in " << call << " at " << file << ":" << line << " (rank " << rank << ", host "
     << host_name() << "): " << msg;
  throw Error(os.str(), kExitInternal);
}

namespace {

double finalize_timeout = -1;  // < 0: MNEMO_MPI_TIMEOUT's

double mpi_timeout() {
  const std::string v = env::get(env::kMpiTimeout, "300");
  char* end = nullptr;
  const double t = std::strtod(v.c_str(), &end);
  return end != v.c_str() && *end == '\0' && t >= 0 ? t : 300;
}

// The launcher's rank: before MPI_Init (and for messages) MPI cannot say.
std::string launcher_rank() {
  for (const char* v : {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"}) {
    const std::string r = env::get(v);
    if (!r.empty()) return r;
  }
  return "?";
}

// MNEMO_TEST_FREEZE=init:R / finalize:R (tests): rank R stops itself here.
void test_freeze(const char* where) {
  if (env::get(env::kTestFreeze) == std::string(where) + ":" + launcher_rank()) std::raise(SIGSTOP);
}

// A deadline for `call` (MPI_Init, MPI_Finalize), which waits for every rank of the job.
Deadline call_deadline(const char* call, double limit, const std::string& why_and_hint) {
  return Deadline(limit,
                  "[mnemo r" + launcher_rank() + "] error: " + call + " did not return within " +
                      std::to_string(static_cast<long>(limit)) + " s: " + why_and_hint,
                  kExitInternal);
}

}  // namespace

MpiSession::MpiSession(int* argc, char*** argv) {
  test_freeze("init");
  const Deadline deadline = call_deadline("MPI_Init", mpi_timeout(),
                                          "a rank of the job is frozen or was never started; ending this rank so "
                                          "the launcher ends the job\n  HINT: see which rank is missing; "
                                          "MNEMO_MPI_TIMEOUT sets the limit");
  int provided = 0;
  MNEMO_MPI_CHECK(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided));
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
}

void MpiSession::set_finalize_timeout(double seconds) { finalize_timeout = seconds; }

MpiSession::~MpiSession() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return;
  test_freeze("finalize");
  const Deadline deadline = call_deadline(
      "MPI_Finalize", finalize_timeout >= 0 ? finalize_timeout : mpi_timeout(),
      "another rank stopped or died at the end of the job (the results were already written); ending this rank so "
      "the launcher ends the job\n  HINT: look for a rank that was stopped, swapped out or killed");
  MPI_Finalize();
}

namespace {

MPI_Datatype to_mpi(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return MPI_FLOAT;
    case DType::kFloat64: return MPI_DOUBLE;
    case DType::kInt32: return MPI_INT32_T;
    case DType::kInt64: return MPI_INT64_T;
    case DType::kFloat16:
    case DType::kBFloat16: return MPI_UINT16_T;  // summed by the user ops below
  }
  MNEMO_ASSERT(false, "unknown dtype");
}

// MPI has no 16-bit float sum: these ops widen to float, add, round back.
template <float (*Widen)(std::uint16_t), std::uint16_t (*Narrow)(float)>
void sum16(void* in, void* inout, int* len, MPI_Datatype*) {
  const auto* a = static_cast<const std::uint16_t*>(in);
  auto* b = static_cast<std::uint16_t*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = Narrow(Widen(a[i]) + Widen(b[i]));
}

MPI_Op sum_op(DType dtype) {
  static MPI_Op half = MPI_OP_NULL, bf16 = MPI_OP_NULL;
  if (dtype == DType::kFloat16) {
    if (half == MPI_OP_NULL) MPI_Op_create(&sum16<half_to_float, float_to_half>, /*commute=*/1, &half);
    return half;
  }
  if (dtype == DType::kBFloat16) {
    if (bf16 == MPI_OP_NULL) MPI_Op_create(&sum16<bf16_to_float, float_to_bf16>, /*commute=*/1, &bf16);
    return bf16;
  }
  return MPI_SUM;
}

int checked_count(std::size_t count) {
  MNEMO_ASSERT(count <= static_cast<std::size_t>(INT32_MAX), "MPI message over 2^31 elements");
  return static_cast<int>(count);
}

class MpiRequest final : public Request {
 public:
  MpiRequest() = default;
  ~MpiRequest() override {
    if (request_ != MPI_REQUEST_NULL) MPI_Wait(&request_, MPI_STATUS_IGNORE);
  }
  void wait() override { MNEMO_MPI_CHECK(MPI_Wait(&request_, MPI_STATUS_IGNORE)); }
  MPI_Request request_ = MPI_REQUEST_NULL;
};

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    MNEMO_MPI_CHECK(MPI_Comm_dup(MPI_COMM_WORLD, &comm_));
    MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
    MNEMO_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
    MNEMO_MPI_CHECK(MPI_Comm_size(comm_, &size_));
    MPI_Comm node = split_by_node(comm_);
    MNEMO_MPI_CHECK(MPI_Comm_rank(node, &local_rank_));
    MNEMO_MPI_CHECK(MPI_Comm_size(node, &local_size_));
    MPI_Comm_free(&node);
  }
  ~MpiCommunicator() override {
    shared_.reset();
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Comm_free(&comm_);
  }

  int rank() const override { return rank_; }
  int world_size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  int local_size() const override { return local_size_; }
  std::string backend() const override { return "mpi"; }
  BufferPlace buffer_place() const override { return BufferPlace::kHost; }

  void allreduce_sum(void* data, std::size_t count, DType dtype) override {
    // Large float32 sums (gradient buckets) go through node shared memory.
    // Every input of this decision is the same on every rank.
    constexpr std::size_t kSharedSumMin = 1024;
    if (dtype == DType::kFloat32 && count >= kSharedSumMin && size_ > 1) {
      if (!shared_) shared_ = std::make_unique<NodeSharedSum>(comm_);
      if (shared_->usable()) return shared_->sum(static_cast<float*>(data), count);
    }
    MNEMO_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data, checked_count(count), to_mpi(dtype), sum_op(dtype), comm_));
  }
  std::unique_ptr<Request> allreduce_sum_async(void* data, std::size_t count, DType dtype) override {
    auto r = std::make_unique<MpiRequest>();
    MNEMO_MPI_CHECK(
        MPI_Iallreduce(MPI_IN_PLACE, data, checked_count(count), to_mpi(dtype), sum_op(dtype), comm_, &r->request_));
    return r;
  }
  void allreduce_max(void* data, std::size_t count, DType dtype) override {
    MNEMO_ASSERT(dtype_size(dtype) >= 4, "allreduce_max of 16-bit floats is not supported");
    MNEMO_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, data, checked_count(count), to_mpi(dtype), MPI_MAX, comm_));
  }
  void broadcast(void* data, std::size_t count, DType dtype, int root) override {
    MNEMO_MPI_CHECK(MPI_Bcast(data, checked_count(count), to_mpi(dtype), root, comm_));
  }
  void reduce_sum(void* data, std::size_t count, DType dtype, int root) override {
    const int n = checked_count(count);
    if (rank_ == root) {
      MNEMO_MPI_CHECK(MPI_Reduce(MPI_IN_PLACE, data, n, to_mpi(dtype), sum_op(dtype), root, comm_));
    } else {
      MNEMO_MPI_CHECK(MPI_Reduce(data, nullptr, n, to_mpi(dtype), sum_op(dtype), root, comm_));
    }
  }
  void allgather(const void* send, void* recv, std::size_t count, DType dtype) override {
    const int n = checked_count(count);
    MNEMO_MPI_CHECK(MPI_Allgather(send, n, to_mpi(dtype), recv, n, to_mpi(dtype), comm_));
  }
  void barrier() override { MNEMO_MPI_CHECK(MPI_Barrier(comm_)); }
  [[noreturn]] void abort(int exit_code) override {
    MPI_Abort(MPI_COMM_WORLD, exit_code);
    std::_Exit(exit_code);
  }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  std::unique_ptr<NodeSharedSum> shared_;  // made at the first large float sum (collectively)
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<MpiCommunicator>(); }

}  // namespace mnemo
