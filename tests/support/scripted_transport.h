#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "kube/http.h"

namespace testing {

// A transport that records every request and answers from a script, so that tests can check
// method, path and body exactly (kube-rs style) without a network.
class ScriptedTransport : public kube::HttpTransport {
 public:
  struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::string> lines;  // for streams
    std::map<std::string, std::string> headers;
  };

  void reply(int status, std::string body, std::map<std::string, std::string> headers = {}) {
    std::lock_guard lock(mutex_);
    replies_.push_back(Reply{status, std::move(body), {}, std::move(headers)});
  }
  void replyStream(std::vector<std::string> lines) {
    std::lock_guard lock(mutex_);
    replies_.push_back(Reply{200, {}, std::move(lines), {}});
  }

  kube::Result<kube::HttpResponse> send(const kube::HttpRequest& request) override {
    auto reply = next(request);
    if (!reply) return kube::Error(kube::ErrorKind::Transport, "script exhausted");
    return kube::HttpResponse{reply->status, reply->headers, reply->body};
  }

  kube::Result<kube::HttpResponse> stream(const kube::HttpRequest& request,
                                          const kube::LineSink& on_line,
                                          const kube::CancelToken&) override {
    auto reply = next(request);
    if (!reply) return kube::Error(kube::ErrorKind::Transport, "script exhausted");
    if (reply->status >= 300) return kube::HttpResponse{reply->status, reply->headers, reply->body};
    for (const auto& line : reply->lines) {
      if (!on_line(line)) break;
    }
    return kube::HttpResponse{reply->status, reply->headers, {}};
  }

  std::vector<kube::HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::optional<Reply> next(const kube::HttpRequest& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (replies_.empty()) return std::nullopt;
    Reply reply = std::move(replies_.front());
    replies_.pop_front();
    return reply;
  }

  mutable std::mutex mutex_;
  std::deque<Reply> replies_;
  std::vector<kube::HttpRequest> requests_;
};

}  // namespace testing
