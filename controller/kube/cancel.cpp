#include "kube/cancel.h"

namespace kube {

CancelToken::CancelToken() : state_(std::make_shared<State>()) {}

void CancelToken::cancel() const {
  std::vector<std::pair<std::size_t, std::function<void()>>> callbacks;
  {
    std::lock_guard lock(state_->mutex);
    if (state_->cancelled.exchange(true)) return;
    callbacks.swap(state_->callbacks);
  }
  state_->wake.notify_all();
  // Outside the lock: a callback may close a socket whose reader then touches this token.
  for (auto& [id, callback] : callbacks) callback();
}

bool CancelToken::cancelled() const { return state_->cancelled.load(); }

std::size_t CancelToken::onCancel(std::function<void()> callback) const {
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->cancelled.load()) {
      std::size_t id = state_->next_id++;
      state_->callbacks.emplace_back(id, std::move(callback));
      return id;
    }
  }
  callback();
  return 0;
}

void CancelToken::unsubscribe(std::size_t id) const {
  std::lock_guard lock(state_->mutex);
  std::erase_if(state_->callbacks, [id](const auto& entry) { return entry.first == id; });
}

bool CancelToken::sleepFor(std::chrono::nanoseconds duration) const {
  std::unique_lock lock(state_->mutex);
  return !state_->wake.wait_for(lock, duration, [this] { return state_->cancelled.load(); });
}

}  // namespace kube
