#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <string>

namespace runtime {

// Randomness as a dependency (jitter, identities, Event names), so tests can pin it.
class Random {
 public:
  virtual ~Random() = default;
  // Uniform in [0, 1).
  virtual double uniform() = 0;
  virtual std::uint64_t next() = 0;
};
using RandomPtr = std::shared_ptr<Random>;

class RealRandom : public Random {
 public:
  RealRandom();
  double uniform() override;
  std::uint64_t next() override;

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

// Always returns the same values; tests use it to make jitter predictable.
class FixedRandom : public Random {
 public:
  explicit FixedRandom(double uniform_value = 0.0, std::uint64_t next_value = 0x1234abcd)
      : uniform_(uniform_value), next_(next_value) {}
  double uniform() override { return uniform_; }
  std::uint64_t next() override { return next_++; }

 private:
  double uniform_;
  std::uint64_t next_;
};

// The process-wide generator, seeded from std::random_device.
RandomPtr realRandom();

// `length` lowercase hex characters from `random` (names and identities, not secrets).
std::string randomHex(Random& random, std::size_t length);

}  // namespace runtime
