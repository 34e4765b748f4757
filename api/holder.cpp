// Hot reload (PolicyHolder) and the firing history between runs (FiringStore).
#include <atomic>
#include <mutex>

#include "api/internal.hpp"
#include "runtime/data/state.hpp"

namespace leadrules {

// Readers load the current version with one atomic shared_ptr load; writers (reloads) are
// serialised by a mutex so that two reloads never race on the version count.
struct PolicyHolder::Impl {
  std::atomic<std::shared_ptr<Policy::Impl const>> current;
  std::atomic<uint64_t> version{1};
  std::mutex reload;
};

PolicyHolder::PolicyHolder(Policy initial) : impl_(std::make_unique<Impl>()) {
  impl_->current.store(initial.impl());
}
PolicyHolder::~PolicyHolder() = default;

Policy PolicyHolder::current() const { return Policy(impl_->current.load()); }

void PolicyHolder::swap(Policy next) {
  std::lock_guard<std::mutex> lock(impl_->reload);
  impl_->current.store(next.impl());
  impl_->version.fetch_add(1);
}

CompileResult PolicyHolder::reload(std::string_view text, std::string origin) {
  auto options = impl_->current.load()->options;
  auto result = Policy::compile(text, std::move(origin), options);
  if (result.policy) swap(*result.policy);
  return result;
}

CompileResult PolicyHolder::reload_file(std::string const& path) {
  auto options = impl_->current.load()->options;
  auto result = Policy::compile_file(path, options);
  if (result.policy) swap(*result.policy);
  return result;
}

uint64_t PolicyHolder::version() const { return impl_->version.load(); }

// ---- FiringStore

struct FiringStore::Impl {
  runtime::FiringState state;
  explicit Impl(std::string const& path) : state(path) {}
};

FiringStore::FiringStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FiringStore::FiringStore(FiringStore&&) noexcept = default;
FiringStore& FiringStore::operator=(FiringStore&&) noexcept = default;
FiringStore::~FiringStore() = default;

std::optional<FiringStore> FiringStore::open(std::string const& path, DataError* error) {
  try {
    return FiringStore(std::make_unique<Impl>(path));
  } catch (runtime::DataError const& e) {
    if (error) *error = to_error(e);
    return std::nullopt;
  }
}

std::optional<DataError> FiringStore::load(Policy const& policy, Batch& batch) {
  try {
    impl_->state.load(*policy.impl()->plan, *Access::impl(batch).batch);
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
