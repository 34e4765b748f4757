// Hot reload (PolicyHolder) and the firing history between runs (FiringStore).
#include <mutex>

#include "api/internal.hpp"
#include "runtime/data/state.hpp"

namespace leadrules {

// Readers copy the current version's handle under a mutex held for one reference-count
// increment (tens of nanoseconds); the compile of a reload happens outside it. A mutex rather
// than std::atomic<std::shared_ptr>: libstdc++ 12 implements that with a lock bit ThreadSanitizer
// cannot see, and the hot-reload test must run under TSan with no suppression.
struct PolicyHolder::Impl {
  mutable std::mutex mu;
  std::shared_ptr<Policy::Impl const> current;
  uint64_t version = 1;

  std::shared_ptr<Policy::Impl const> get() const {
    std::lock_guard<std::mutex> lock(mu);
    return current;
  }
};

PolicyHolder::PolicyHolder(Policy initial) : impl_(std::make_unique<Impl>()) {
  impl_->current = initial.impl();
}
PolicyHolder::~PolicyHolder() = default;

Policy PolicyHolder::current() const { return Policy(impl_->get()); }

void PolicyHolder::swap(Policy next) {
  auto old = next.impl();  // the previous version is released outside the lock
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    std::swap(impl_->current, old);
    ++impl_->version;
  }
}

CompileResult PolicyHolder::reload(std::string_view text, std::string origin) {
  auto options = impl_->get()->options;
  auto result = Policy::compile(text, std::move(origin), options);
  if (result.policy) swap(*result.policy);
  return result;
}

CompileResult PolicyHolder::reload_file(std::string const& path) {
  auto options = impl_->get()->options;
  auto result = Policy::compile_file(path, options);
  if (result.policy) swap(*result.policy);
  return result;
}

uint64_t PolicyHolder::version() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->version;
}

// ---- FiringStore

struct FiringStore::Impl {
  runtime::FiringState state;
  Impl(std::string const& path, Mode mode)
      : state(path, mode == Mode::read_only ? runtime::FiringState::Mode::read_only
                                            : runtime::FiringState::Mode::read_write) {}
};

FiringStore::FiringStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FiringStore::FiringStore(FiringStore&&) noexcept = default;
FiringStore& FiringStore::operator=(FiringStore&&) noexcept = default;
FiringStore::~FiringStore() = default;

std::optional<FiringStore> FiringStore::open(std::string const& path, DataError* error, Mode mode) {
  try {
    return FiringStore(std::make_unique<Impl>(path, mode));
  } catch (runtime::DataError const& e) {
    if (error) *error = to_error(e);
    return std::nullopt;
  }
}

std::optional<DataError> FiringStore::load(Policy const& policy, Batch& batch) {
  try {
    auto& b = Access::impl(batch);
    impl_->state.load(*policy.impl()->plan, *b.batch);
    b.serial = Batch::Impl::next_serial();  // changed: nothing prepared from it stays valid
    return std::nullopt;
  } catch (runtime::DataError const& e) {
    return to_error(e);
  }
}

std::optional<DataError> FiringStore::record(Policy const& policy, Batch const& batch, Results const& results,
                                             int64_t now) {
  try {
    impl_->state.record(*policy.impl()->plan, *Access::impl(batch).batch, Access::impl(results).results, now);
    return std::nullopt;
  } catch (runtime::DataError const& e) {
    return to_error(e);
  }
}

}  // namespace leadrules
