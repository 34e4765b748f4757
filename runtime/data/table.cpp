#include "runtime/data/table.hpp"

#include <algorithm>
#include <cstring>

namespace leadrules::runtime {

// ---------------------------------------------------------------------------------------------
// Dictionary

namespace {

// Byte equality of two strings of length n, without a library call for short ones.
inline bool same_bytes(char const* a, char const* b, size_t n) {
  auto load8 = [](char const* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  auto load4 = [](char const* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return w;
  };
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return load8(a) == load8(b) && load8(a + n - 8) == load8(b + n - 8);
  }
  if (n >= 4) return load4(a) == load4(b) && load4(a + n - 4) == load4(b + n - 4);
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

}  // namespace

Dictionary::Dictionary(Dictionary const& other) { *this = other; }

Dictionary& Dictionary::operator=(Dictionary const& other) {
  if (this == &other) return *this;
  Dictionary fresh;
  for (std::string_view v : other.values_) fresh.intern(v);
  *this = std::move(fresh);
  return *this;
}

inline uint32_t Dictionary::hash(std::string_view s) {
  // A multiply-xorshift hash, 8 bytes at a time; the tail is read with overlapping loads (no
  // byte loop: strings here are short ids, emails and names).
  constexpr uint64_t k = 0x9E3779B97F4A7C15ull;
  auto load8 = [](char const* p) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    return w;
  };
  auto load4 = [](char const* p) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    return uint64_t(w);
  };
  char const* p = s.data();
  size_t const n = s.size();
  uint64_t h = k ^ (uint64_t(n) * 0xff51afd7ed558ccdull);
  uint64_t tail;
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 < n; i += 8) {
      h = (h ^ load8(p + i)) * k;
      h ^= h >> 29;
    }
    tail = load8(p + n - 8);  // the last 8 bytes (may overlap the previous word)
  } else if (n >= 4) {
    tail = (load4(p) << 32) | load4(p + n - 4);
  } else if (n > 0) {
    tail = (uint64_t(uint8_t(p[0])) << 16) | (uint64_t(uint8_t(p[n >> 1])) << 8) | uint8_t(p[n - 1]);
  } else {
    tail = 0;
  }
  h = (h ^ tail) * k;
  h ^= h >> 29;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 32;
  return uint32_t(h);
}

std::string_view Dictionary::store(std::string_view s) {
  if (s.empty()) return {};
  // Blocks grow from 256 bytes to 64 KiB: a one-prospect batch stays small, a file's
  // dictionaries take few allocations. Not zero-filled: every byte is written before it is read.
  constexpr size_t kFirstBlock = 256, kMaxBlock = 64 * 1024;
  if (s.size() > left_) {
    size_t const grown = kFirstBlock << std::min<size_t>(blocks_.size(), 8);
    size_t const size = std::max(std::min(grown, kMaxBlock), s.size());
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    free_ = blocks_.back().get();
    left_ = size;
  }
  std::memcpy(free_, s.data(), s.size());
  std::string_view const v(free_, s.size());
  free_ += s.size();
  left_ -= s.size();
  return v;
}

void Dictionary::rehash(size_t n) {
  std::vector<uint64_t> old(n, 0);
  old.swap(slots_);
  size_t const mask = n - 1;
  for (uint64_t const slot : old) {
    if (slot == 0) continue;
    size_t i = (slot >> 32) & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

// The slot holds the hash next to the code, so a probe touches one array until a hash matches.
inline size_t Dictionary::probe(std::string_view s, uint64_t h) const {
  size_t const mask = slots_.size() - 1;
  size_t i = h & mask;
  while (uint64_t const slot = slots_[i]) {
    if ((slot >> 32) == h) {
      std::string_view const v = values_[uint32_t(slot) - 1];
      if (v.size() == s.size() && same_bytes(v.data(), s.data(), s.size())) return i;
    }
    i = (i + 1) & mask;
  }
  return i;
}

uint32_t Dictionary::intern(std::string_view s) {
  if ((values_.size() + 1) * 2 > slots_.size()) rehash(std::max<size_t>(16, slots_.size() * 2));
  uint64_t const h = hash(s);
  size_t const i = probe(s, h);
  if (slots_[i]) return uint32_t(slots_[i]) - 1;
  uint32_t const code = uint32_t(values_.size());
  values_.push_back(store(s));
  slots_[i] = (h << 32) | (uint64_t(code) + 1);
  return code;
}

uint32_t Dictionary::find(std::string_view s) const {
  if (slots_.empty()) return kMissingCode;
  size_t const i = probe(s, hash(s));
  return slots_[i] ? uint32_t(slots_[i]) - 1 : kMissingCode;
}

void Dictionary::truncate(size_t n) {
  size_t const mask = slots_.size() - 1;
  while (values_.size() > n) {
    uint32_t const code = uint32_t(values_.size() - 1);
    // Remove the slot of `code` with backward-shift deletion (linear probing stays valid).
    size_t i = hash(values_.back()) & mask;
    while (uint32_t(slots_[i]) != code + 1) i = (i + 1) & mask;
    size_t j = i;
    while (true) {
      j = (j + 1) & mask;
      if (slots_[j] == 0) break;
      size_t const home = (slots_[j] >> 32) & mask;
      // Move slots_[j] into the hole at i when its home is not in (i, j] (cyclically).
      bool const in_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
      if (!in_between) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = 0;
    std::string_view const v = values_.back();
    if (!v.empty() && v.data() + v.size() == free_) {  // give the text back to the block
      free_ -= v.size();
      left_ += v.size();
    }
    values_.pop_back();
  }
}

// ---------------------------------------------------------------------------------------------
// Column

void Column::push_missing() {
  using plan::Type;
  switch (type) {
    case Type::Number: numbers.push_back(0); break;
    case Type::Time:
    case Type::Duration: micros.push_back(0); break;
    case Type::Grade: grades.push_back(0); break;
    case Type::Bool: bools.push_back(0); break;
    case Type::String: codes.push_back(kMissingCode); break;
    case Type::StringList:  // never missing: the empty list
      list_offsets.push_back(uint32_t(list_codes.size()));
      present.push_back(1);
      return;
  }
  present.push_back(0);
}

void Column::push_number(double v) {
  numbers.push_back(v);
  present.push_back(1);
}

void Column::push_micros(int64_t v) {
  micros.push_back(v);
  present.push_back(1);
}

void Column::push_grade(int g) {
  grades.push_back(int8_t(g));
  present.push_back(1);
}

void Column::push_bool(bool b) {
  bools.push_back(b ? 1 : 0);
  present.push_back(1);
}

void Column::push_string(std::string_view s) {
  codes.push_back(dict->intern(s));
  present.push_back(1);
}

void Column::push_list(std::vector<std::string_view> const& items) {
  for (std::string_view s : items) list_codes.push_back(dict->intern(s));
  list_offsets.push_back(uint32_t(list_codes.size()));
  present.push_back(1);
}

void Column::pop_back() {
  if (present.empty()) return;
  truncate(present.size() - 1);
}

void Column::truncate(size_t n) {
  if (n >= present.size()) return;
  using plan::Type;
  present.resize(n);
  switch (type) {
    case Type::Number: numbers.resize(n); break;
    case Type::Time:
    case Type::Duration: micros.resize(n); break;
    case Type::Grade: grades.resize(n); break;
    case Type::Bool: bools.resize(n); break;
    case Type::String: codes.resize(n); break;
    case Type::StringList:
      list_offsets.resize(n + 1);
      list_codes.resize(list_offsets.back());
      break;
  }
}

void Column::reserve(size_t n) {
  using plan::Type;
  present.reserve(n);
  switch (type) {
    case Type::Number: numbers.reserve(n); break;
    case Type::Time:
    case Type::Duration: micros.reserve(n); break;
    case Type::Grade: grades.reserve(n); break;
    case Type::Bool: bools.reserve(n); break;
    case Type::String: codes.reserve(n); break;
    case Type::StringList: list_offsets.reserve(n + 1); break;
  }
}

// ---------------------------------------------------------------------------------------------
// Batch

Batch Batch::for_schema(plan::Schema const& schema) {
  Batch b;
  b.fields.reserve(schema.prospect.size());
  for (auto const& f : schema.prospect) b.fields.emplace_back(f.type);
  b.act_fields.reserve(schema.activity.size());
  for (auto const& f : schema.activity) b.act_fields.emplace_back(f.type);
  return b;
}

}  // namespace leadrules::runtime
