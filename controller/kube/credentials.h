#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "kube/config.h"
#include "kube/exec_credential.h"
#include "kube/result.h"

namespace kube {

// A credential fetched from a token file or an exec plugin.
struct Credential {
  std::string token;  // empty when the plugin handed out a client certificate only
  std::string client_cert_pem;
  std::string client_key_pem;
  // Which fetch produced it: a request refused with it says so (CredentialSource::rejected), and
  // the refusal is ignored when a newer credential has replaced it meanwhile.
  std::uint64_t generation = 0;
};
using CredentialPtr = std::shared_ptr<const Credential>;

// Caches the credential of a token file or an exec plugin, and fetches it again when it is due:
// a token file every minute (kubelet rotates it on disk), an exec credential shortly before its
// expirationTimestamp, and either after the server refused it (a 401). A credential without an
// expiry, token or client certificate alike, is kept until then, as in client-go.
//
// One fetch runs at a time, and no lock is held while it runs (a plugin may take up to its
// timeout): callers that arrive meanwhile go on with the cached credential while it has not
// expired yet, and otherwise wait for that fetch, at most as long as it may take, and share its
// result, credential or error. Thread-safe.
class CredentialSource {
 public:
  // `config.token_file` or `config.exec` says where credentials come from; with neither,
  // current() answers null (the config's static token or certificate is all there is).
  explicit CredentialSource(const ClusterConfig& config);

  bool dynamic() const { return !token_file_.empty() || exec_.has_value(); }

  // The credential to send now; null when there is no dynamic source.
  Result<CredentialPtr> current();

  // The server refused credential `generation` (a 401): the next current() fetches a new one,
  // unless a newer credential has already replaced it (many requests refused with one expired
  // token cause one fetch).
  void rejected(std::uint64_t generation);
  // The same for a refusal that cannot say which credential it was for.
  void rejectedCurrent();

  // Adopts a credential fetched before this source existed (Client::create runs the plugin
  // before it builds the transport, since the plugin may hand out the client certificate).
  void seed(const ExecCredential& credential);

 private:
  struct Cached {
    CredentialPtr credential;
    std::optional<std::chrono::steady_clock::time_point> renew_at;  // token files
    std::optional<std::chrono::system_clock::time_point> expires;   // exec credentials
    bool rejected = false;
  };

  struct Fetched {
    Credential credential;
    std::optional<std::chrono::steady_clock::time_point> renew_at;
    std::optional<std::chrono::system_clock::time_point> expires;
  };

  Result<Fetched> fetch() const;  // runs without the lock
  static Fetched fromExec(const ExecCredential& credential);
  void store(Fetched fetched);  // with the lock held; gives it the next generation
  bool usable() const;          // the cached credential may still be sent
  bool fresh() const;           // ... and is not due for renewal either

  const std::string token_file_;
  const std::optional<ExecConfig> exec_;

  std::mutex mutex_;
  std::condition_variable fetched_;
  std::optional<Cached> cached_;
  bool fetching_ = false;
  std::uint64_t fetches_ = 0;  // finished fetches, so that a waiter knows when its one is done
  std::optional<Error> last_error_;
  std::uint64_t next_generation_ = 1;
};

}  // namespace kube
