// Implements: ReplayBuffer and its policies.
#include "replay/replay_buffer.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "core/error.h"
#include "data/sharding.h"

namespace mnemo::replay {

std::int64_t local_share(std::int64_t global, int world_size, int rank) {
  return data::block_range(global, world_size, rank).size();
}

Policy parse_policy(const std::string& name) {
  if (name == "reservoir") return Policy::kReservoir;
  if (name == "class-balanced") return Policy::kClassBalanced;
  if (name == "ring") return Policy::kRing;
  throw UsageError(with_hint("unknown replay policy '" + name + "'", "use reservoir, class-balanced or ring"));
}

const char* policy_name(Policy policy) {
  switch (policy) {
    case Policy::kReservoir: return "reservoir";
    case Policy::kClassBalanced: return "class-balanced";
    case Policy::kRing: return "ring";
  }
  return "?";
}

ReplayBuffer::ReplayBuffer(const BufferGeometry& g, Policy policy, std::uint64_t seed)
    : g_(g), policy_(policy), rng_(seed) {
  MNEMO_ASSERT(g.capacity >= 0 && g.sample_size > 0 && g.logit_size >= 0 && g.num_tasks >= 1,
               "bad replay buffer geometry");
  images_.resize(static_cast<std::size_t>(g.capacity * g.sample_size));
  labels_.resize(static_cast<std::size_t>(g.capacity));
  tasks_.resize(static_cast<std::size_t>(g.capacity));
  logits_.resize(static_cast<std::size_t>(g.capacity * g.logit_size));
  ring_next_.assign(static_cast<std::size_t>(g.num_tasks), 0);
  ring_fill_.assign(static_cast<std::size_t>(g.num_tasks), 0);
}

void ReplayBuffer::store(std::int64_t slot, const std::uint8_t* image, std::int64_t label, std::int64_t task,
                         const float* logits) {
  std::copy_n(image, g_.sample_size, images_.begin() + slot * g_.sample_size);
  labels_[static_cast<std::size_t>(slot)] = label;
  tasks_[static_cast<std::size_t>(slot)] = task;
  if (g_.logit_size > 0) {
    MNEMO_ASSERT(logits != nullptr, "this replay buffer stores logits: pass them");
    std::copy_n(logits, g_.logit_size, logits_.begin() + slot * g_.logit_size);
  }
}

// A slot of the largest class, or -1 when `label`'s class is already the largest.
std::int64_t ReplayBuffer::class_balanced_slot(std::int64_t label) {
  std::map<std::int64_t, std::int64_t> counts;
  for (std::int64_t s = 0; s < size_; ++s) ++counts[labels_[s]];
  std::int64_t largest = label, most = counts[label];
  for (const auto& [c, n] : counts) {
    if (n > most) {
      largest = c;
      most = n;
    }
  }
  if (largest == label) return -1;
  const auto pick = static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(most)));
  for (std::int64_t s = 0, seen = 0; s < size_; ++s) {
    if (labels_[s] == largest && seen++ == pick) return s;
  }
  return -1;
}

// Task t owns slots [t*k, (t+1)*k) with k = capacity / tasks (FIFO within).
std::int64_t ReplayBuffer::ring_slot(std::int64_t task) {
  const std::int64_t k = g_.capacity / g_.num_tasks;
  if (k == 0 || task < 0 || task >= g_.num_tasks) return -1;
  auto& next = ring_next_[static_cast<std::size_t>(task)];
  auto& fill = ring_fill_[static_cast<std::size_t>(task)];
  const std::int64_t slot = task * k + next;
  next = (next + 1) % k;
  fill = std::min(k, fill + 1);
  return slot;
}

void ReplayBuffer::add(const std::uint8_t* image, std::int64_t label, std::int64_t task, const float* logits) {
  ++seen_;
  if (g_.capacity == 0) return;
  switch (policy_) {
    case Policy::kReservoir: {
      if (size_ < g_.capacity) {
        store(size_++, image, label, task, logits);
        return;
      }
      const auto j = static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(seen_)));
      if (j < g_.capacity) store(j, image, label, task, logits);
      return;
    }
    case Policy::kClassBalanced: {
      if (size_ < g_.capacity) {
        store(size_++, image, label, task, logits);
        return;
      }
      const std::int64_t slot = class_balanced_slot(label);
      if (slot >= 0) store(slot, image, label, task, logits);
      return;
    }
    case Policy::kRing: {
      const std::int64_t slot = ring_slot(task);
      if (slot < 0) return;
      store(slot, image, label, task, logits);
      // Ring slots are sparse; size_ counts the filled ones.
      size_ = std::accumulate(ring_fill_.begin(), ring_fill_.end(), std::int64_t{0});
      return;
    }
  }
}

std::vector<std::int64_t> ReplayBuffer::sample(std::int64_t n) {
  std::vector<std::int64_t> slots;
  if (policy_ == Policy::kRing) {
    const std::int64_t k = g_.capacity / g_.num_tasks;
    for (std::int64_t t = 0; t < g_.num_tasks; ++t) {
      for (std::int64_t i = 0; i < ring_fill_[static_cast<std::size_t>(t)]; ++i) slots.push_back(t * k + i);
    }
  } else {
    slots.resize(static_cast<std::size_t>(size_));
    std::iota(slots.begin(), slots.end(), 0);
  }
  const auto total = static_cast<std::int64_t>(slots.size());
  n = std::min(n, total);
  for (std::int64_t i = 0; i < n; ++i) {  // partial Fisher-Yates: n distinct, uniform
    const auto j = i + static_cast<std::int64_t>(rng_.below(static_cast<std::uint64_t>(total - i)));
    std::swap(slots[i], slots[j]);
  }
  slots.resize(static_cast<std::size_t>(n));
  return slots;
}

std::vector<Sample> ReplayBuffer::samples() const {
  std::vector<Sample> out;
  auto take = [&](std::int64_t s) {
    Sample x;
    x.image.assign(image(s), image(s) + g_.sample_size);
    x.label = label(s);
    x.task = task(s);
    if (g_.logit_size > 0) x.logits.assign(logits(s), logits(s) + g_.logit_size);
    out.push_back(std::move(x));
  };
  if (policy_ == Policy::kRing) {
    const std::int64_t k = g_.capacity / g_.num_tasks;
    for (std::int64_t t = 0; t < g_.num_tasks; ++t) {
      for (std::int64_t i = 0; i < ring_fill_[static_cast<std::size_t>(t)]; ++i) take(t * k + i);
    }
  } else {
    for (std::int64_t s = 0; s < size_; ++s) take(s);
  }
  return out;
}

void ReplayBuffer::restore(const std::vector<Sample>& samples, std::int64_t seen) {
  if (static_cast<std::int64_t>(samples.size()) > g_.capacity) {
    throw InputError("replay buffer: " + std::to_string(samples.size()) + " samples do not fit " +
                     std::to_string(g_.capacity) + " slots");
  }
  size_ = 0;
  std::fill(ring_next_.begin(), ring_next_.end(), 0);
  std::fill(ring_fill_.begin(), ring_fill_.end(), 0);
  for (const auto& s : samples) {
    MNEMO_ASSERT(static_cast<std::int64_t>(s.image.size()) == g_.sample_size, "sample size mismatch");
    const float* logits = s.logits.empty() ? nullptr : s.logits.data();
    if (policy_ == Policy::kRing) {
      const std::int64_t slot = ring_slot(s.task);
      if (slot >= 0) store(slot, s.image.data(), s.label, s.task, logits);
    } else {
      store(size_++, s.image.data(), s.label, s.task, logits);
    }
  }
  if (policy_ == Policy::kRing) size_ = std::accumulate(ring_fill_.begin(), ring_fill_.end(), std::int64_t{0});
  seen_ = seen;
}

void ReplayBuffer::replace_task(std::int64_t task, const std::vector<Sample>& replacement) {
  std::vector<Sample> kept;
  for (auto& s : samples()) {
    if (s.task != task) kept.push_back(std::move(s));
  }
  kept.insert(kept.end(), replacement.begin(), replacement.end());
  restore(kept, seen_);
}

std::size_t ReplayBuffer::memory_bytes() const {
  return images_.size() + (labels_.size() + tasks_.size()) * sizeof(std::int64_t) + logits_.size() * sizeof(float);
}

}  // namespace mnemo::replay
