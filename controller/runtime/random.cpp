#include "runtime/random.h"

namespace runtime {

RealRandom::RealRandom() : engine_(std::random_device{}()) {}

double RealRandom::uniform() {
  std::lock_guard guard(mutex_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

std::uint64_t RealRandom::next() {
  std::lock_guard guard(mutex_);
  return engine_();
}

RandomPtr realRandom() {
  static const RandomPtr random = std::make_shared<RealRandom>();
  return random;
}

std::string randomHex(Random& random, std::size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length);
  while (out.size() < length) {
    auto bits = random.next();
    for (int i = 0; i < 16 && out.size() < length; ++i, bits >>= 4) out += kDigits[bits & 0xf];
  }
  return out;
}

}  // namespace runtime
