#include "runtime/store.h"

#include <algorithm>
#include <cstdint>

#include "runtime/owner_reference.h"

namespace runtime {

namespace {

std::string ownerUid(const kube::Object& object) {
  auto owner = controllerOf(object);
  return owner ? owner->uid : std::string();
}

void eraseFromIndex(std::map<std::string, std::set<std::string>>& index, const std::string& value,
                    const std::string& key) {
  auto it = index.find(value);
  if (it == index.end()) return;
  it->second.erase(key);
  if (it->second.empty()) index.erase(it);
}

kube::Object withoutManagedFields(kube::Object object) {
  if (object.is_object()) {
    auto metadata = object.find("metadata");
    if (metadata != object.end() && metadata->is_object()) metadata->erase("managedFields");
  }
  return object;
}

}  // namespace

Store::Entry Store::prepare(kube::Object object) const {
  object = withoutManagedFields(std::move(object));
  Entry entry;
  entry.owner_uid = ownerUid(object);
  if (encoding_ == Encoding::Packed) {
    std::vector<std::uint8_t> bytes = kube::Json::to_msgpack(object);
    entry.packed.assign(bytes.begin(), bytes.end());
  } else {
    entry.object = std::make_shared<const kube::Object>(std::move(object));
  }
  return entry;
}

Store::ObjectPtr Store::objectOf(const Entry& entry) const {
  if (encoding_ == Encoding::Tree) return entry.object;
  // Bytes this Store wrote itself from a valid tree: decoding cannot fail short of a bug, and
  // then a null object (which no reader mistakes for a live one) beats an exception.
  auto object = kube::Json::from_msgpack(entry.packed, /*strict=*/true, /*allow_exceptions=*/false);
  return std::make_shared<const kube::Object>(std::move(object));
}

Store::ObjectPtr Store::get(const std::string& key) const {
  std::shared_lock lock(mutex_);
  auto it = objects_.find(key);
  return it == objects_.end() ? nullptr : objectOf(it->second);
}

Store::ObjectPtr Store::get(const std::string& ns, const std::string& name) const {
  return get(ns.empty() ? name : ns + "/" + name);
}

std::vector<Store::ObjectPtr> Store::list() const {
  std::shared_lock lock(mutex_);
  std::vector<ObjectPtr> out;
  out.reserve(objects_.size());
  for (const auto& [key, entry] : objects_) out.push_back(objectOf(entry));
  return out;
}

std::vector<std::string> Store::keys() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  out.reserve(objects_.size());
  for (const auto& entry : objects_) out.push_back(entry.first);
  return out;
}

std::vector<Store::ObjectPtr> Store::collectLocked(const std::set<std::string>& keys) const {
  std::vector<ObjectPtr> out;
  out.reserve(keys.size());
  for (const auto& key : keys) out.push_back(objectOf(objects_.at(key)));
  return out;
}

std::vector<Store::ObjectPtr> Store::listControlledBy(const std::string& owner_uid) const {
  if (owner_uid.empty()) return {};
  std::shared_lock lock(mutex_);
  auto it = by_owner_.find(owner_uid);
  return it == by_owner_.end() ? std::vector<ObjectPtr>{} : collectLocked(it->second);
}

std::size_t Store::size() const {
  std::shared_lock lock(mutex_);
  return objects_.size();
}

bool Store::synced() const {
  std::lock_guard guard(synced_mutex_);
  return synced_;
}

bool Store::waitSynced(const kube::CancelToken& cancel, std::chrono::milliseconds timeout) const {
  // Cancellation is polled rather than subscribed to: a cancel callback may still run after
  // unsubscribe() returns, and this Store may be gone by then. A startup gate can afford it.
  constexpr auto kPoll = std::chrono::milliseconds(50);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(synced_mutex_);
  while (!synced_ && !cancel.cancelled()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) break;
    synced_changed_.wait_until(lock, std::min(deadline, now + kPoll));
  }
  return synced_;
}

void Store::indexLocked(const std::string& key, const Entry& entry) {
  if (!entry.owner_uid.empty()) by_owner_[entry.owner_uid].insert(key);
}

void Store::unindexLocked(const std::string& key, const Entry& entry) {
  if (!entry.owner_uid.empty()) eraseFromIndex(by_owner_, entry.owner_uid, key);
}

void Store::stage(std::vector<kube::Object> page, bool first_page) {
  if (first_page) staged_.clear();
  for (auto& object : page) {
    auto key = kube::keyOf(object);
    staged_[std::move(key)] = prepare(std::move(object));
  }
}

std::vector<Store::ObjectPtr> Store::replace(std::vector<kube::Object> objects, bool first_page) {
  // Build the new contents outside the lock; readers are blocked only for the swap.
  stage(std::move(objects), first_page);
  std::map<std::string, Entry> fresh;
  fresh.swap(staged_);
  std::map<std::string, std::set<std::string>> by_owner;
  for (const auto& [key, entry] : fresh) {
    if (!entry.owner_uid.empty()) by_owner[entry.owner_uid].insert(key);
  }

  std::vector<ObjectPtr> removed;
  {
    std::unique_lock lock(mutex_);
    for (const auto& [key, entry] : objects_) {
      if (!fresh.count(key)) removed.push_back(objectOf(entry));
    }
    objects_.swap(fresh);
    by_owner_.swap(by_owner);
  }
  {
    std::lock_guard guard(synced_mutex_);
    synced_ = true;
  }
  synced_changed_.notify_all();
  return removed;  // the old contents are freed here, outside the lock
}

Store::ObjectPtr Store::upsert(kube::Object object) {
  auto key = kube::keyOf(object);
  Entry entry = prepare(std::move(object));
  ObjectPtr previous;
  std::unique_lock lock(mutex_);
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    previous = objectOf(it->second);
    unindexLocked(key, it->second);
    it->second = std::move(entry);
    indexLocked(key, it->second);
  } else {
    indexLocked(key, objects_.emplace(key, std::move(entry)).first->second);
  }
  return previous;
}

Store::ObjectPtr Store::erase(const kube::Object& object) {
  const auto key = kube::keyOf(object);
  std::unique_lock lock(mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end())
    return std::make_shared<const kube::Object>(withoutManagedFields(object));
  auto stored = objectOf(it->second);
  unindexLocked(key, it->second);
  objects_.erase(it);
  return stored;
}

}  // namespace runtime
