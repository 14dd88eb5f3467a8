// scimpp: a resource kept for repeated PATCHing (the in-memory store keeps
// one per resource).
//
// A document owns the resource JSON plus, per multi-valued attribute that a
// PATCH has touched, some bookkeeping that makes membership changes cheap on
// large groups:
//   * an index from the element key (the `value` sub-attribute of a complex
//     element, or the element itself for a multi-valued string attribute)
//     to the element's position, built lazily (once scanning has cost about
//     as much as building it) and then maintained incrementally, so
//     `members[value eq "x"]` and duplicate checks on add cost O(1) expected
//     instead of a scan of all members. The index is a flat open-addressing
//     table of (key hash, position): no per-entry allocation, no stored keys;
//   * tombstones: a removed element leaves a hole in place (no memmove of
//     the array per removal). Holes are compacted, preserving the order of
//     the remaining elements, when they exceed half of the array, and
//     always before the resource is read through value() or release().
//
// A document also keeps the applier's scratch buffers (capacity reused
// between requests) and the core schema it resolved for the last (registry,
// resource type) pair; after replacing that core schema in the same
// registry object, patch a fresh document.
//
// value() is const but may compact holes, so one document must not be read
// from several threads without synchronisation (like any mutable object).
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"
#include "scim/json.hpp"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

SCIM_BEGIN_NAMESPACE
namespace patch {

class document;

/// Work counters (a debug hook): they let tests prove complexity bounds
/// without timing. `work` counts element visits (scans, compaction moves,
/// candidate checks) plus index operations (probes, inserts, erases).
struct document_counters {
  std::uint64_t work = 0;
  std::uint64_t element_visits = 0;
  std::uint64_t index_operations = 0;
  std::uint64_t index_builds = 0;
  std::uint64_t compactions = 0;
};

namespace detail {

class applier;

/// Eight bytes folded to ASCII lower case at once (bytes >= 0x80 unchanged).
constexpr std::uint64_t fold8(std::uint64_t x) noexcept {
  constexpr std::uint64_t ones = 0x0101010101010101ULL;
  constexpr std::uint64_t high = 0x8080808080808080ULL;
  const std::uint64_t b = x & ~high;
  const std::uint64_t upper = (b + ones * (0x80 - 'A')) & ~(b + ones * (0x80 - 'Z' - 1)) & ~x & high;
  return x | (upper >> 2);
}

/// 32-bit hash of an element key, ASCII-folded when the key is not caseExact.
/// Eight bytes per step; the value only lives in memory, so byte order does
/// not matter.
inline std::uint32_t key_hash(std::string_view s, bool fold) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  const char* p = s.data();
  std::size_t n = s.size();
  auto mix = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 32;
  };
  if (n >= 8) {
    const char* last = p + n - 8;
    while (p < last) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      mix(fold ? fold8(w) : w);
      p += 8;
    }
    std::uint64_t w;  // the last eight bytes (overlapping the previous word)
    std::memcpy(&w, last, 8);
    mix(fold ? fold8(w) : w);
  } else {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i) w |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
    mix(fold ? fold8(w) : w);
  }
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 29;
  return static_cast<std::uint32_t>(h ^ (h >> 32));
}

inline bool key_equal(std::string_view a, std::string_view b, bool fold) noexcept {
  return fold ? scim::detail::iequals(a, b) : a == b;
}

/// An open-addressing multimap from a key hash to element positions (linear
/// probing, backward-shift deletion, load <= 1/2). Keys are not stored:
/// candidates are checked against the elements, so nothing here can dangle
/// and nothing is allocated per entry.
class value_index {
 public:
  std::size_t size() const noexcept { return size_; }

  void clear() noexcept {
    slots_.clear();
    size_ = 0;
    shift_ = 32;
  }

  void reserve(std::size_t n) {
    std::size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    if (cap > slots_.size()) rehash(cap);
  }

  void insert(std::uint32_t hash, std::uint32_t pos) {
    if (2 * (size_ + 1) > slots_.size()) rehash(slots_.empty() ? 16 : 2 * slots_.size());
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = home(hash);
    while (slots_[i].pos1 != 0) i = (i + 1) & mask;
    slots_[i] = slot{hash, pos + 1};
    ++size_;
  }

  /// Calls f(pos) for every entry with this hash until f returns true.
  template <class F>
  void find(std::uint32_t hash, F&& f) const {
    if (slots_.empty()) return;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = home(hash); slots_[i].pos1 != 0; i = (i + 1) & mask)
      if (slots_[i].hash == hash && f(slots_[i].pos1 - 1)) return;
  }

  /// Removes the entry (hash, pos); false when there is none.
  bool erase(std::uint32_t hash, std::uint32_t pos) {
    if (slots_.empty()) return false;
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = home(hash);
    while (slots_[i].pos1 != 0 && !(slots_[i].hash == hash && slots_[i].pos1 == pos + 1)) i = (i + 1) & mask;
    if (slots_[i].pos1 == 0) return false;
    for (std::size_t j = i;;) {
      j = (j + 1) & mask;
      if (slots_[j].pos1 == 0) break;
      const std::size_t k = home(slots_[j].hash);
      if (((j - k) & mask) >= ((j - i) & mask)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = slot{};
    --size_;
    return true;
  }

  /// Rewrites every position through f (after compaction).
  template <class F>
  std::size_t remap(F&& f) {
    for (auto& s : slots_)
      if (s.pos1 != 0) s.pos1 = f(s.pos1 - 1) + 1;
    return slots_.size();
  }

 private:
  struct slot {
    std::uint32_t hash = 0;
    std::uint32_t pos1 = 0;  ///< position + 1; 0 = empty
  };

  std::size_t home(std::uint32_t hash) const noexcept {
    return static_cast<std::size_t>(static_cast<std::uint32_t>(hash * 0x9E3779B1u) >> shift_);
  }

  void rehash(std::size_t cap) {
    std::vector<slot> old = std::move(slots_);
    slots_.assign(cap, slot{});
    unsigned bits = 0;
    while ((std::size_t{1} << bits) < cap) ++bits;
    shift_ = 32 - bits;
    const std::size_t mask = cap - 1;
    for (const auto& s : old) {
      if (s.pos1 == 0) continue;
      std::size_t i = home(s.hash);
      while (slots_[i].pos1 != 0) i = (i + 1) & mask;
      slots_[i] = s;
    }
  }

  std::vector<slot> slots_;
  std::size_t size_ = 0;
  unsigned shift_ = 32;
};

/// Bookkeeping for one multi-valued attribute of a document.
struct mv_state {
  std::string container;  ///< extension URN (canonical) or "" for core attributes
  std::string name;       ///< canonical attribute name
  std::string value_sub;  ///< "value" sub-attribute name, or "" for simple multi-valued attributes
  bool fold = true;       ///< keys compare case-insensitively (caseExact false)

  bool holes_known = true;    ///< `tombstones` is exact (false after a rollback)
  std::size_t tombstones = 0;
  bool built = false;         ///< `index` is valid
  value_index index;
  std::size_t scan_work = 0;  ///< elements scanned while the index was not built

  void reset_index() {
    built = false;
    index.clear();
    scan_work = 0;
  }
};

/// A removed element of the change set, still in the undo log: moved out
/// when the request succeeds (no copy).
struct removed_ref {
  std::uint32_t undo = 0;
  std::uint32_t pos = 0xffffffffu;  ///< element of the entry's old array, or whole_entry
  static constexpr std::uint32_t whole_entry = 0xffffffffu;
};

/// Change-set bookkeeping for one multi-valued attribute.
struct delta_state {
  std::string attribute;
  std::vector<json> added;
  std::vector<removed_ref> removed;
  std::string value_sub;  ///< name of the `value` sub-attribute
  bool fold = true;       ///< `value` is not caseExact
};

struct location {
  std::string container;  ///< "" for the resource itself, else the extension key as stored
  std::string key;        ///< member key as stored
};

struct undo_entry {
  enum class kind : std::uint8_t { member, append, element };
  kind k = kind::member;
  bool had = false;        ///< member: the key existed
  std::uint32_t loc = 0;   ///< index into the location table
  std::size_t pos = 0;     ///< element: position in the array
  json old;                ///< member: previous value; element: previous element
};

/// Buffers of the applier, kept by the document between requests so that
/// their capacity is reused (fewer allocations per request).
struct apply_scratch {
  std::vector<undo_entry> undo;
  std::vector<location> locs;
  std::vector<std::pair<std::string, bool>> changed;  ///< name, changed other than through value deltas
  std::vector<delta_state> deltas;
  std::vector<mv_state*> touched;

  void clear() {
    undo.clear();
    locs.clear();
    changed.clear();
    deltas.clear();
    touched.clear();
  }
};

/// The element a tombstone leaves behind.
inline bool is_hole(const json& e) noexcept { return e.is_discarded(); }

/// map.find(key) without a temporary std::string when the object map's
/// comparator is transparent (nlohmann 3.11+ with C++14 and later).
template <class Map>
auto find_exact(Map& map, std::string_view key) {
  if constexpr (requires { typename Map::key_compare::is_transparent; })
    return map.find(key);
  else
    return map.find(std::string(key));
}

inline json* find_member_ci(json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto& map = obj.get_ref<json::object_t&>();
  if (auto it = find_exact(map, key); it != map.end()) return &it->second;
  for (auto& [k, v] : map)
    if (scim::detail::iequals(k, key)) return &v;
  return nullptr;
}

/// The key of an element: a view of its `value` sub-attribute (or of the
/// element itself for simple multi-valued attributes) when that is a string.
inline std::optional<std::string_view> element_key(std::string_view value_sub, const json& e) {
  if (value_sub.empty()) {
    if (e.is_string()) return std::string_view(e.get_ref<const std::string&>());
    return std::nullopt;
  }
  if (!e.is_object()) return std::nullopt;
  const auto& map = e.get_ref<const json::object_t&>();
  if (map.empty()) return std::nullopt;
  // "value" sorts after "$ref", "display", "primary" and "type": try the
  // rightmost node (O(1)) before a lookup.
  if (const auto& last = *map.rbegin(); last.first.size() == value_sub.size() &&
                                        std::memcmp(last.first.data(), value_sub.data(), value_sub.size()) == 0) {
    if (!last.second.is_string()) return std::nullopt;
    return std::string_view(last.second.get_ref<const std::string&>());
  }
  auto it = find_exact(map, value_sub);
  if (it == map.end()) {
    for (auto m = map.begin(); m != map.end(); ++m)
      if (scim::detail::iequals(m->first, value_sub)) {
        it = m;
        break;
      }
  }
  if (it == map.end() || !it->second.is_string()) return std::nullopt;
  return std::string_view(it->second.get_ref<const std::string&>());
}

inline std::optional<std::string_view> element_key(const mv_state& s, const json& e) {
  return element_key(std::string_view(s.value_sub), e);
}

}  // namespace detail

/// A resource kept for repeated patching; see the top of this header.
class document {
 public:
  document() : res_(json::object()) {}
  explicit document(json resource) : res_(std::move(resource)) {}

  // Copies carry the resource only (compacted); indexes are rebuilt on demand.
  document(const document& other) : res_(other.value()), counters_(other.counters_) {}
  document& operator=(const document& other) {
    if (this != &other) {
      res_ = other.value();
      states_.clear();
      counters_ = other.counters_;
      cached_registry_ = cached_type_ = cached_core_ = nullptr;
    }
    return *this;
  }
  document(document&&) noexcept = default;
  document& operator=(document&&) noexcept = default;
  ~document() = default;

  /// The resource: always compact, valid JSON (holes are compacted first).
  const json& value() const {
    compact_all();
    return res_;
  }

  /// The resource as it is, without compacting: a multi-valued attribute may
  /// hold holes (discarded JSON values) where elements were removed. For
  /// read-only scans that skip non-object elements, such as the dialect
  /// normalisers, so that reading before each PATCH costs no compaction.
  const json& peek() const noexcept { return res_; }

  /// Moves the (compacted) resource out; the document is left empty.
  json release() && {
    for (auto& s : states_) compact(*s, false);
    states_.clear();
    return std::move(res_);
  }

  /// Work counters (debug hook for complexity tests).
  const document_counters& counters() const noexcept { return counters_; }
  void reset_counters() noexcept { counters_ = {}; }

  /// Number of multi-valued attributes with bookkeeping (for tests).
  std::size_t tracked_attributes() const noexcept { return states_.size(); }
  /// Number of holes currently waiting for compaction (for tests).
  std::size_t pending_holes() const noexcept {
    std::size_t n = 0;
    for (const auto& s : states_)
      if (s->holes_known) n += s->tombstones;
    return n;
  }

 private:
  friend class detail::applier;

  json* find_array(const detail::mv_state& s) const {
    json* container = &res_;
    if (!s.container.empty()) {
      container = detail::find_member_ci(res_, s.container);
      if (container == nullptr) return nullptr;
    }
    json* arr = detail::find_member_ci(*container, s.name);
    return arr != nullptr && arr->is_array() ? arr : nullptr;
  }

  /// Removes the holes of one array, keeping the order of the live elements,
  /// and remaps the index positions (or drops the index).
  void compact(detail::mv_state& s, bool keep_index = true) const {
    if (s.holes_known && s.tombstones == 0) return;
    json* arr = find_array(s);
    if (arr == nullptr) {
      s.tombstones = 0;
      s.holes_known = true;
      s.reset_index();
      return;
    }
    auto& v = arr->get_ref<json::array_t&>();
    ++counters_.compactions;
    if (!keep_index) s.reset_index();
    std::vector<std::uint32_t> new_pos;
    if (s.built) new_pos.resize(v.size());
    std::size_t out = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      ++counters_.element_visits;
      ++counters_.work;
      if (detail::is_hole(v[i])) continue;
      if (s.built) new_pos[i] = static_cast<std::uint32_t>(out);
      if (out != i) v[out] = std::move(v[i]);
      ++out;
    }
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(out), v.end());
    if (s.built) counters_.work += s.index.remap([&new_pos](std::uint32_t p) { return new_pos[p]; });
    s.tombstones = 0;
    s.holes_known = true;
  }

  void compact_all() const {
    for (auto& s : states_) compact(*s);
  }

  mutable json res_;
  mutable std::vector<std::unique_ptr<detail::mv_state>> states_;
  mutable document_counters counters_;
  // The core schema of the last (registry, resource type) pair applied with.
  const void* cached_registry_ = nullptr;
  const void* cached_type_ = nullptr;
  const void* cached_core_ = nullptr;
  detail::apply_scratch scratch_;
};

}  // namespace patch
SCIM_END_NAMESPACE
