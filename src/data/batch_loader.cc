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
  MNEMO_ASSERT(options_.share.parts >= 1 && options_.share.index >= 0 && options_.share.index < options_.share.parts,
               "a loader's share must be one of its parts");
  std::int64_t begin = 0;
  for (std::size_t w = 0; w < order_.windows.size(); ++w) {
    window_begins_.push_back(begin);
    const std::int64_t end = begin + EpochOrder::size(order_.windows[w]);
    if (first >= 0 && first >= begin && first < end) first_window_ = w;
    if (first >= 0 && last >= begin && last < end) end_window_ = w + 1;
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

WindowMemo::Block WindowMemo::get(const std::string& key, const std::function<WindowRows()>& read) {
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
    Block block = std::make_shared<const WindowRows>(read());
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

StreamRow BatchLoader::source(std::int64_t row) const {
  std::int64_t base = 0;
  for (const auto& s : segments_) {
    if (row < base + s.rows.size()) return {s.task, s.rows.begin + row - base};
    base += s.rows.size();
  }
  MNEMO_ASSERT(false, "a row beyond the segments");
  return {};
}

std::vector<std::int64_t> BatchLoader::wanted(std::size_t w) const {
  const std::int64_t begin = window_begins_[w], end = begin + EpochOrder::size(order_.windows[w]);
  std::vector<std::int64_t> out;
  for (const Range& b : batches_) {  // the share of every batch, where it falls in the window
    if (b.end <= begin || b.begin >= end) continue;
    const Range mine = block_range(b.size(), options_.share.parts, options_.share.index);
    for (std::int64_t p = std::max(begin, b.begin + mine.begin); p < std::min(end, b.begin + mine.end); ++p) {
      out.push_back(order_.local[static_cast<std::size_t>(p)]);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Window w's labels, and the images of the rows its share needs (every
// row's when the share is the whole batch), read straight into the block.
WindowRows BatchLoader::read_rows(std::size_t w) const {
  const std::vector<Range>& ranges = order_.windows[w];
  const std::int64_t n = EpochOrder::size(ranges);
  WindowRows out;
  out.labels.resize(static_cast<std::size_t>(n));
  std::vector<std::int64_t> rows;  // window row -> row of the segments numbered one after the other
  rows.reserve(static_cast<std::size_t>(n));
  for (const Range& r : ranges) {
    for (std::int64_t i = r.begin; i < r.end; ++i) rows.push_back(i);
  }
  // Labels, a run of rows of one segment at a time.
  for (std::int64_t a = 0; a < n;) {
    const StreamRow first = source(rows[static_cast<std::size_t>(a)]);
    std::int64_t b = a + 1;
    while (b < n && rows[static_cast<std::size_t>(b)] == rows[static_cast<std::size_t>(b - 1)] + 1 &&
           source(rows[static_cast<std::size_t>(b)]).task == first.task) {
      ++b;
    }
    stream_.read_labels(first.task, split_, {first.row, first.row + (b - a)}, out.labels.data() + a);
    a = b;
  }
  out.bytes = n * static_cast<std::int64_t>(sizeof(std::int64_t));
  const bool whole = options_.share.parts == 1;
  std::vector<std::int64_t> want;
  if (whole) {
    want.resize(static_cast<std::size_t>(n));
    std::iota(want.begin(), want.end(), 0);
  } else {
    want = wanted(w);
    out.image_at.assign(static_cast<std::size_t>(n), -1);
  }
  out.images.resize(want.size() * static_cast<std::size_t>(sample_size_));
  // Images, one task's increasing rows at a time.
  for (std::size_t a = 0; a < want.size();) {
    const std::int64_t task = source(rows[static_cast<std::size_t>(want[a])]).task;
    std::vector<std::int64_t> task_rows;
    std::size_t b = a;
    for (; b < want.size(); ++b) {
      const StreamRow s = source(rows[static_cast<std::size_t>(want[b])]);
      if (s.task != task) break;
      task_rows.push_back(s.row);
      if (!whole) out.image_at[static_cast<std::size_t>(want[b])] = static_cast<std::int32_t>(b);
    }
    stream_.read_images(task, split_, task_rows, out.images.data() + static_cast<std::int64_t>(a) * sample_size_);
    a = b;
  }
  out.bytes += static_cast<std::int64_t>(out.images.size());
  return out;
}

BatchLoader::Block BatchLoader::read_window(std::size_t w) const {
  const auto read = [&] {
    WindowRows rows = read_rows(w);
    bytes_read_ += rows.bytes;
    return rows;
  };
  if (!options_.memo || options_.share.parts > 1) return std::make_shared<const WindowRows>(read());
  std::ostringstream key;  // the rows, fully: stream, split, segments, ranges
  key << stream_.dir() << '|' << static_cast<int>(split_);
  for (const auto& s : segments_) key << '|' << s.task << ':' << s.rows.begin << '-' << s.rows.end;
  key << '|';
  for (const Range& r : order_.windows[w]) key << r.begin << '-' << r.end << ',';
  return options_.memo->get(key.str(), read);
}

void BatchLoader::read_ahead() {
  try {
    for (std::size_t w = first_window_; w < end_window_; ++w) {
      Block block = read_window(w);
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
  if (!thread_.joinable()) return read_window(index);
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

std::optional<LoadedBatch> BatchLoader::next() {
  if (next_batch_ >= batches_.size()) return std::nullopt;
  const Range want = batches_[next_batch_++];
  LoadedBatch out;
  out.share = block_range(want.size(), options_.share.parts, options_.share.index);
  out.labels.resize(static_cast<std::size_t>(want.size()));
  out.sources.resize(static_cast<std::size_t>(want.size()));
  out.images.resize(static_cast<std::size_t>(out.share.size() * sample_size_));
  for (std::int64_t p = want.begin; p < want.end; ++p) {
    while (!loaded_ || p >= window_end_) {  // on to the window holding p (taking empty ones in passing)
      if (loaded_) {
        ++window_index_;
        window_begin_ = window_end_;
      } else {  // the first window: positions before it belong to windows not read
        window_begin_ = window_begins_[window_index_];
      }
      window_end_ = window_begin_ + EpochOrder::size(order_.windows[window_index_]);
      MNEMO_ASSERT(p >= window_begin_, "batches skip a window");
      window_.reset();  // freed before the next arrives: at most two windows live
      window_ = take_window(window_index_);
      loaded_ = true;
    }
    const std::int64_t local = order_.local[static_cast<std::size_t>(p)];
    const std::int64_t i = p - want.begin;
    out.labels[static_cast<std::size_t>(i)] = window_->labels[static_cast<std::size_t>(local)];
    out.sources[static_cast<std::size_t>(i)] = source(order_.rows[static_cast<std::size_t>(p)]);
    if (i >= out.share.begin && i < out.share.end) {
      const std::int64_t at =
          window_->image_at.empty() ? local : window_->image_at[static_cast<std::size_t>(local)];
      MNEMO_ASSERT(at >= 0, "a row of the share was not read");
      std::memcpy(out.images.data() + (i - out.share.begin) * sample_size_, window_->images.data() + at * sample_size_,
                  static_cast<std::size_t>(sample_size_));
    }
  }
  return out;
}

}  // namespace mnemo::data
