// Implements: the NCCL backend (device buffers, one GPU per rank).
//   Bootstrap: rank 0 creates the ncclUniqueId and broadcasts it over the
//   control (MPI) communicator; every rank then calls ncclCommInitRank.
//   Ordering: device buffers are produced on the legacy default stream
//   (LibTorch's default stream, which mnemo never changes), so before each
//   collective the backend records an event there and makes its own stream
//   wait on it: the collective starts when the gradients are written,
//   without stopping the host or the device (no device synchronisation).
//   Each collective is enqueued on the backend's stream, then the stream is
//   polled with ncclCommGetAsyncError so a failed peer surfaces as an error
//   instead of a hang. On any error the communicator is aborted before the
//   exception is thrown, so peers are not left waiting.
#include <cuda_runtime_api.h>
#include <nccl.h>

#include <cstdlib>
#include <sstream>
#include <thread>

#include "comm/communicator.h"
#include "core/error.h"

namespace mnemo {
namespace {

std::string where(const char* call, const char* file, int line) {
  std::ostringstream os;
  os << call << " at " << file << ":" << line << " (host " << host_name() << ")";
  return os.str();
}

#define MNEMO_CUDA_CHECK(call)                                                        \
  do {                                                                                \
    cudaError_t mnemo_cuda_rc_ = (call);                                              \
    if (mnemo_cuda_rc_ != cudaSuccess)                                                \
      throw Error("CUDA error in " + where(#call, __FILE__, __LINE__) + ": " +        \
                  cudaGetErrorString(mnemo_cuda_rc_));                                \
  } while (0)

ncclDataType_t to_nccl(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return ncclFloat32;
    case DType::kFloat64: return ncclFloat64;
    case DType::kInt32: return ncclInt32;
    case DType::kInt64: return ncclInt64;
    case DType::kFloat16: return ncclFloat16;
    case DType::kBFloat16: return ncclBfloat16;
  }
  MNEMO_ASSERT(false, "unknown dtype");
}

class NcclCommunicator final : public Communicator {
 public:
  // Completion of everything enqueued so far on the backend's stream.
  class StreamRequest final : public Request {
   public:
    explicit StreamRequest(NcclCommunicator* owner) : owner_(owner) {}
    void wait() override { owner_->wait(); }

   private:
    NcclCommunicator* owner_;
  };

  NcclCommunicator(Communicator& control, int device) : control_(control), device_(device) {
    MNEMO_CUDA_CHECK(cudaSetDevice(device_));
    ncclUniqueId id;
    if (control_.rank() == 0) check(ncclGetUniqueId(&id), "ncclGetUniqueId", __FILE__, __LINE__);
    control_.broadcast(&id, sizeof(id) / sizeof(std::int32_t), DType::kInt32, 0);
    check(ncclCommInitRank(&comm_, control_.world_size(), id, control_.rank()), "ncclCommInitRank",
          __FILE__, __LINE__);
    MNEMO_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    MNEMO_CUDA_CHECK(cudaEventCreateWithFlags(&produced_, cudaEventDisableTiming));
  }
  ~NcclCommunicator() override {
    if (comm_ != nullptr) ncclCommDestroy(comm_);
    if (produced_ != nullptr) cudaEventDestroy(produced_);
    if (stream_ != nullptr) cudaStreamDestroy(stream_);
  }

  int rank() const override { return control_.rank(); }
  int world_size() const override { return control_.world_size(); }
  int local_rank() const override { return control_.local_rank(); }
  int local_size() const override { return control_.local_size(); }
  std::string backend() const override { return "nccl"; }
  BufferPlace buffer_place() const override { return BufferPlace::kDevice; }
  bool asynchronous() const override { return true; }

  void allreduce_sum(void* data, std::size_t count, DType dtype) override {
    after_producer();
    check(ncclAllReduce(data, data, count, to_nccl(dtype), ncclSum, comm_, stream_), "ncclAllReduce",
          __FILE__, __LINE__);
    wait();
  }
  std::unique_ptr<Request> allreduce_sum_async(void* data, std::size_t count, DType dtype) override {
    after_producer();
    check(ncclAllReduce(data, data, count, to_nccl(dtype), ncclSum, comm_, stream_), "ncclAllReduce",
          __FILE__, __LINE__);
    return std::make_unique<StreamRequest>(this);
  }
  void allreduce_max(void* data, std::size_t count, DType dtype) override {
    after_producer();
    check(ncclAllReduce(data, data, count, to_nccl(dtype), ncclMax, comm_, stream_), "ncclAllReduce",
          __FILE__, __LINE__);
    wait();
  }
  void broadcast(void* data, std::size_t count, DType dtype, int root) override {
    after_producer();
    check(ncclBroadcast(data, data, count, to_nccl(dtype), root, comm_, stream_), "ncclBroadcast",
          __FILE__, __LINE__);
    wait();
  }
  void reduce_sum(void* data, std::size_t count, DType dtype, int root) override {
    after_producer();
    check(ncclReduce(data, data, count, to_nccl(dtype), ncclSum, root, comm_, stream_), "ncclReduce",
          __FILE__, __LINE__);
    wait();
  }
  void allgather(const void* send, void* recv, std::size_t count, DType dtype) override {
    after_producer();
    check(ncclAllGather(send, recv, count, to_nccl(dtype), comm_, stream_), "ncclAllGather", __FILE__, __LINE__);
    wait();
  }
  void barrier() override { control_.barrier(); }
  [[noreturn]] void abort(int exit_code) override {
    if (comm_ != nullptr) ncclCommAbort(comm_);
    comm_ = nullptr;
    control_.abort(exit_code);
    std::_Exit(exit_code);
  }

 private:
  void check(ncclResult_t rc, const char* call, const char* file, int line) {
    if (rc == ncclSuccess || rc == ncclInProgress) return;
    std::string msg = "NCCL error in " + where(call, file, line) + " on rank " +
                      std::to_string(control_.rank()) + ": " + ncclGetErrorString(rc);
    if (comm_ != nullptr) {
      const char* last = ncclGetLastError(comm_);
      if (last != nullptr && *last != '\0') msg += " (" + std::string(last) + ")";
      ncclCommAbort(comm_);
      comm_ = nullptr;
    }
    throw Error(msg);
  }

  // The backend's stream waits for the work enqueued so far on the legacy
  // default stream (where LibTorch wrote the buffer).
  void after_producer() {
    MNEMO_CUDA_CHECK(cudaSetDevice(device_));  // autograd's device thread may call too
    MNEMO_CUDA_CHECK(cudaEventRecord(produced_, cudaStreamLegacy));
    MNEMO_CUDA_CHECK(cudaStreamWaitEvent(stream_, produced_, 0));
  }

  // Polls the stream; an asynchronous NCCL error aborts the communicator.
  void wait() {
    for (;;) {
      cudaError_t q = cudaStreamQuery(stream_);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) MNEMO_CUDA_CHECK(q);
      ncclResult_t async = ncclSuccess;
      check(ncclCommGetAsyncError(comm_, &async), "ncclCommGetAsyncError", __FILE__, __LINE__);
      check(async, "asynchronous NCCL operation", __FILE__, __LINE__);
      std::this_thread::yield();
    }
  }

  Communicator& control_;
  int device_;
  ncclComm_t comm_ = nullptr;
  cudaStream_t stream_ = nullptr;
  cudaEvent_t produced_ = nullptr;
};

}  // namespace

std::unique_ptr<Communicator> make_nccl_communicator(Communicator& control, int device) {
  return std::make_unique<NcclCommunicator>(control, device);
}

}  // namespace mnemo
