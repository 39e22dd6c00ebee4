#include "kube/credentials.h"

#include <exception>
#include <fstream>
#include <sstream>

namespace kube {

namespace {

// Service-account tokens rotate on disk; kubelet refreshes them well before expiry, so
// re-reading once a minute is what client-go does too.
constexpr auto kTokenFileRefresh = std::chrono::seconds(60);
// How long a caller waits for another caller's read of a token file. A local read; the bound
// only keeps a hung filesystem from hanging every request forever.
constexpr auto kTokenFileWait = std::chrono::seconds(60);
// Beyond a plugin's own timeout, what a waiter allows for killing and reaping a plugin that
// overran it: the fetch it waits for ends on its own by then.
constexpr auto kKillMargin = std::chrono::seconds(5);

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

std::string seconds(std::chrono::milliseconds duration) {
  return std::to_string(std::chrono::ceil<std::chrono::seconds>(duration).count()) + " s";
}

}  // namespace

// A static bearer token outranks both dynamic sources, and a token file outranks an exec plugin
// (the precedence this client always had). The plugin may still run once in Client::create, for
// a client certificate.
CredentialSource::CredentialSource(const ClusterConfig& config)
    : token_file_(config.bearer_token.empty() ? config.token_file : std::string()),
      exec_(config.bearer_token.empty() && config.token_file.empty() ? config.exec : std::nullopt) {
}

bool CredentialSource::usable() const {
  return cached_ && !cached_->rejected &&
         (!cached_->expires || std::chrono::system_clock::now() < *cached_->expires);
}

bool CredentialSource::fresh() const {
  if (!usable()) return false;
  if (cached_->renew_at && std::chrono::steady_clock::now() >= *cached_->renew_at) return false;
  return !cached_->expires ||
         std::chrono::system_clock::now() + exec_->renew_before_expiry < *cached_->expires;
}

Result<CredentialPtr> CredentialSource::current() {
  if (!dynamic()) return CredentialPtr();
  std::unique_lock lock(mutex_);
  while (!fresh()) {
    if (fetching_) {
      // Another caller is fetching. The old credential serves until it really expires.
      if (usable()) break;
      const auto seen = fetches_;
      const auto limit =
          exec_ ? exec_->timeout + kKillMargin : std::chrono::milliseconds(kTokenFileWait);
      if (!fetched_.wait_for(lock, limit, [&] { return fetches_ != seen; })) {
        return Error(ErrorKind::Config, "waited " + seconds(limit) + " for " +
                                            (exec_ ? "exec plugin \"" + exec_->command + "\""
                                                   : "token file " + token_file_) +
                                            " to hand out a credential; it has not yet");
      }
      // That fetch's result is ours: a second plugin run right after a failed one would fail
      // alike, and one right after a successful one would be wasted.
      if (last_error_) return *last_error_;
      if (usable()) break;
      continue;
    }
    fetching_ = true;
    lock.unlock();
    // The fetch runs without the lock (a plugin may take its whole timeout); fetching_ keeps
    // other callers from starting a second one.
    Result<Fetched> result = Error(ErrorKind::Config, "credential fetch failed");
    try {
      result = fetch();
    } catch (const std::exception& error) {
      result = Error(ErrorKind::Config, std::string("fetching a credential: ") + error.what());
    }
    lock.lock();
    fetching_ = false;
    ++fetches_;
    if (result) {
      store(std::move(*result));
      last_error_.reset();
    } else {
      last_error_ = result.error();
    }
    fetched_.notify_all();
    if (!result) return result.error();
    return cached_->credential;  // even when already due: it is as new as they come
  }
  return cached_->credential;
}

void CredentialSource::rejected(std::uint64_t generation) {
  std::lock_guard lock(mutex_);
  if (cached_ && cached_->credential->generation == generation) cached_->rejected = true;
}

void CredentialSource::rejectedCurrent() {
  std::lock_guard lock(mutex_);
  if (cached_) cached_->rejected = true;
}

void CredentialSource::seed(const ExecCredential& credential) {
  if (!exec_) return;
  std::lock_guard lock(mutex_);
  store(fromExec(credential));
}

CredentialSource::Fetched CredentialSource::fromExec(const ExecCredential& credential) {
  Fetched fetched;
  fetched.credential.token = credential.token;
  fetched.credential.client_cert_pem = credential.client_cert_pem;
  fetched.credential.client_key_pem = credential.client_key_pem;
  fetched.expires = credential.expires;
  return fetched;
}

void CredentialSource::store(Fetched fetched) {
  fetched.credential.generation = next_generation_++;
  Cached cached;
  cached.credential = std::make_shared<const Credential>(std::move(fetched.credential));
  cached.renew_at = fetched.renew_at;
  cached.expires = fetched.expires;
  cached_ = std::move(cached);
}

Result<CredentialSource::Fetched> CredentialSource::fetch() const {
  if (!token_file_.empty()) {
    const auto read_at = std::chrono::steady_clock::now();
    std::ifstream in(token_file_);
    if (!in) return Error(ErrorKind::Config, "cannot read token file " + token_file_);
    std::ostringstream text;
    text << in.rdbuf();
    Fetched fetched;
    fetched.credential.token = trim(text.str());
    fetched.renew_at = read_at + kTokenFileRefresh;
    return fetched;
  }
  auto credential = runExecPlugin(*exec_);
  if (!credential) return credential.error();
  return fromExec(*credential);
}

}  // namespace kube
