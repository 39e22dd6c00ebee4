#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <thread>

#include <catch2/catch.hpp>

#include "runtime/process_exit.h"

// Forked, because exitNow ends the process; ThreadSanitizer cannot start threads in a child
// forked from a multi-threaded process, so those builds skip it (as the signal tests do).
#if defined(__SANITIZE_THREAD__)
#define FORK_TEST_TAGS "[.tsan-unsupported]"
#else
#define FORK_TEST_TAGS ""
#endif

namespace {
int destructor_pipe = -1;
// Tells the parent, through the pipe, that static destruction ran.
struct Witness {
  ~Witness() {
    if (destructor_pipe >= 0) (void)!::write(destructor_pipe, "d", 1);
  }
};
}  // namespace

TEST_CASE("exitNow: ends the process with its status, under running threads, no destructors",
          FORK_TEST_TAGS) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(fds[0]);
    destructor_pipe = fds[1];
    static Witness witness;  // destroyed by exit(), not by _Exit()
    auto state = std::make_shared<std::atomic<long>>(0);
    // A thread that keeps using state owned by main's frame, as a detached reconcile would.
    std::thread([state] {
      while (true) ++*state;
    }).detach();
    while (state->load() == 0) std::this_thread::yield();
    runtime::exitNow(7, "test: a thread is still running");
  }
  ::close(fds[1]);
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 7);
  char byte;
  CHECK(::read(fds[0], &byte, 1) == 0);  // no destructor wrote to the pipe
  ::close(fds[0]);
}
