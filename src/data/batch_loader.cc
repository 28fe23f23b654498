// Implements: BatchLoader and epoch_order (see batch_loader.h).
#include "data/batch_loader.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "data/io/h5.h"

namespace mnemo::data {

std::int64_t EpochOrder::size(const std::vector<Range>& window) {
  std::int64_t n = 0;
  for (const auto& r : window) n += r.size();
  return n;
}

EpochOrder epoch_order(const std::vector<std::int64_t>& sizes, std::int64_t window, std::optional<Rng> shuffle) {
  MNEMO_ASSERT(window >= 1, "epoch_order needs a positive window");
  std::int64_t n = 0;
  for (auto s : sizes) n += s;
  const std::int64_t count = std::max<std::int64_t>(1, (n + window - 1) / window);
  std::vector<std::int64_t> visit(static_cast<std::size_t>(count));
  std::iota(visit.begin(), visit.end(), 0);
  if (shuffle) shuffle->shuffle(visit);  // one window: no draw, so W >= n is a plain shuffle
  EpochOrder out;
  out.rows.reserve(static_cast<std::size_t>(n));
  out.local.reserve(static_cast<std::size_t>(n));
  std::vector<std::int64_t> rows, local;
  for (const std::int64_t w : visit) {
    std::vector<Range> ranges;
    rows.clear();
    std::int64_t base = 0;
    for (auto s : sizes) {  // the w-th part of every segment
      const Range part = block_range(s, static_cast<int>(count), static_cast<int>(w));
      if (part.size() > 0) ranges.push_back({base + part.begin, base + part.end});
      for (auto i = part.begin; i < part.end; ++i) rows.push_back(base + i);
      base += s;
    }
    local.resize(rows.size());
    std::iota(local.begin(), local.end(), 0);
    if (shuffle) shuffle->shuffle(local);
    for (auto l : local) {
      out.rows.push_back(rows[static_cast<std::size_t>(l)]);
      out.local.push_back(l);
    }
    out.windows.push_back(std::move(ranges));
  }
  return out;
}

BatchLoader::BatchLoader(const StreamReader& stream, Split split, std::vector<Segment> segments,
                         std::vector<Range> batches, Options options)
    : stream_(stream), split_(split), segments_(std::move(segments)), batches_(std::move(batches)),
      options_(std::move(options)), sample_size_(stream.sample_size()) {
  for (const auto& s : segments_) total_rows_ += s.rows.size();
  for (std::size_t i = 0; i < batches_.size(); ++i) {
    MNEMO_ASSERT(batches_[i].begin >= 0 && batches_[i].end <= total_rows_ && batches_[i].begin <= batches_[i].end &&
                     (i == 0 || batches_[i].begin >= batches_[i - 1].end),
                 "batches must be increasing ranges of positions");
  }
  std::vector<std::int64_t> sizes;
  for (const auto& s : segments_) sizes.push_back(s.rows.size());
  order_ = epoch_order(sizes, std::max<std::int64_t>(1, options_.window), options_.shuffle);
  // The windows holding the first and last positions asked for.
  std::int64_t first = -1, last = -1;
  for (const auto& b : batches_) {
    if (b.size() == 0) continue;
    if (first < 0) first = b.begin;
    last = b.end - 1;
  }
  std::int64_t begin = 0;
  for (std::size_t w = 0; w < order_.windows.size() && first >= 0; ++w) {
    const std::int64_t end = begin + EpochOrder::size(order_.windows[w]);
    if (first >= begin && first < end) first_window_ = w;
    if (last >= begin && last < end) end_window_ = w + 1;
    begin = end;
  }
  window_index_ = first_window_;
  // Without a thread-safe libhdf5 the main thread's other HDF5 use could race: read in next().
  if (options_.background && end_window_ > first_window_ && io::h5::library_threadsafe()) {
    thread_ = std::thread([this] { read_ahead(); });
  }
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

WindowMemo::Block WindowMemo::get(const std::string& key, const std::function<SampleBlock()>& read) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (value_.valid() && key_ == key) {
    const std::shared_future<Block> value = value_;
    lock.unlock();  // wait for a read in progress without holding the memo
    return value.get();
  }
  std::promise<Block> promise;
  key_ = key;
  value_ = promise.get_future().share();
  const std::int64_t entry = ++reads_;
  lock.unlock();
  try {
    Block block = std::make_shared<const SampleBlock>(read());
    promise.set_value(block);
    return block;
  } catch (...) {
    promise.set_exception(std::current_exception());
    lock.lock();
    if (reads_ == entry) value_ = {};  // still this read's entry: a later loader reads again
    throw;
  }
}

std::int64_t WindowMemo::reads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reads_;
}

// The rows of `ranges` (of the segments numbered one after the other), in
// order, read straight into the block.
SampleBlock BatchLoader::read_rows(const std::vector<Range>& ranges) const {
  SampleBlock out;
  const std::int64_t n = EpochOrder::size(ranges);
  out.images.resize(static_cast<std::size_t>(n * sample_size_));
  out.labels.resize(static_cast<std::size_t>(n));
  std::int64_t at = 0;
  for (const Range& rows : ranges) {
    std::int64_t base = 0;
    for (const auto& s : segments_) {
      const std::int64_t a = std::max(rows.begin, base), b = std::min(rows.end, base + s.rows.size());
      if (a < b) {
        stream_.read_into(s.task, split_, {s.rows.begin + a - base, s.rows.begin + b - base},
                          out.images.data() + at * sample_size_, out.labels.data() + at);
        at += b - a;
      }
      base += s.rows.size();
    }
  }
  return out;
}

BatchLoader::Block BatchLoader::read_window(const std::vector<Range>& ranges) const {
  if (!options_.memo) return std::make_shared<const SampleBlock>(read_rows(ranges));
  std::ostringstream key;  // the rows, fully: stream, split, segments, ranges
  key << stream_.dir() << '|' << static_cast<int>(split_);
  for (const auto& s : segments_) key << '|' << s.task << ':' << s.rows.begin << '-' << s.rows.end;
  key << '|';
  for (const Range& r : ranges) key << r.begin << '-' << r.end << ',';
  return options_.memo->get(key.str(), [&] { return read_rows(ranges); });
}

void BatchLoader::read_ahead() {
  try {
    for (std::size_t w = first_window_; w < end_window_; ++w) {
      Block block = read_window(order_.windows[w]);
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !ready_; });  // one window ahead at most
      if (stopping_) return;
      ready_ = std::move(block);
      ready_index_ = w;
      changed_.notify_all();
    }
  } catch (...) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = std::current_exception();
    changed_.notify_all();
  }
}

BatchLoader::Block BatchLoader::take_window(std::size_t index) {
  if (!thread_.joinable()) return read_window(order_.windows[index]);
  const auto start = std::chrono::steady_clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return ready_ != nullptr || error_; });
  if (!ready_) std::rethrow_exception(error_);
  MNEMO_ASSERT(ready_index_ == index, "the reader and the consumer disagree on the window order");
  Block out = std::move(ready_);
  ready_.reset();
  changed_.notify_all();
  wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::optional<SampleBlock> BatchLoader::next() {
  if (next_batch_ >= batches_.size()) return std::nullopt;
  const Range want = batches_[next_batch_++];
  SampleBlock out;
  out.images.resize(static_cast<std::size_t>(want.size() * sample_size_));
  out.labels.resize(static_cast<std::size_t>(want.size()));
  for (std::int64_t p = want.begin; p < want.end; ++p) {
    while (!loaded_ || p >= window_end_) {  // on to the window holding p (taking empty ones in passing)
      if (loaded_) {
        ++window_index_;
        window_begin_ = window_end_;
      } else {  // the first window: positions before it belong to windows not read
        for (std::size_t w = 0; w < window_index_; ++w) window_begin_ += EpochOrder::size(order_.windows[w]);
      }
      window_end_ = window_begin_ + EpochOrder::size(order_.windows[window_index_]);
      MNEMO_ASSERT(p >= window_begin_, "batches skip a window");
      window_.reset();  // freed before the next arrives: at most two windows live
      window_ = take_window(window_index_);
      loaded_ = true;
    }
    const std::int64_t local = order_.local[static_cast<std::size_t>(p)];
    const std::int64_t i = p - want.begin;
    std::memcpy(out.images.data() + i * sample_size_, window_->images.data() + local * sample_size_,
                static_cast<std::size_t>(sample_size_));
    out.labels[static_cast<std::size_t>(i)] = window_->labels[static_cast<std::size_t>(local)];
  }
  return out;
}

}  // namespace mnemo::data
