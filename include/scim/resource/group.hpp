// scimpp: the typed Group resource (RFC 7643 section 4.2), templated on the
// schema extensions it carries.
#pragma once

#include "scim/config.hpp"
#include "scim/json.hpp"
#include "scim/resource/meta.hpp"
#include "scim/resource/multi_valued.hpp"
#include "scim/resource/traits.hpp"
#include "scim/schema/urns.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// A Group with the core attributes of RFC 7643 section 4.2 and the schema
/// extensions `Extensions...`. Unknown attributes are kept in `extra`.
template <class... Extensions>
struct basic_group {
  /// The schema URNs the resource was received with; on output the core
  /// schema and every present extension are added.
  std::vector<std::string> schemas{};
  std::string id{};
  std::optional<std::string> external_id{};  ///< externalId
  std::optional<scim::meta> meta{};
  std::string display_name{};  ///< displayName
  std::vector<member> members{};
  /// One slot per extension; engaged when the resource carries it.
  std::tuple<std::optional<Extensions>...> extensions{};
  /// Side-car JSON object for attributes the type does not know.
  json extra{};

  /// The extension E when present, else nullptr.
  template <class E>
  E* extension() noexcept {
    auto& slot = extension_slot_of<E>(extensions);
    return slot ? &*slot : nullptr;
  }
  template <class E>
  const E* extension() const noexcept {
    const auto& slot = extension_slot_of<E>(extensions);
    return slot ? &*slot : nullptr;
  }
  /// The extension E, engaged (empty) first when absent.
  template <class E>
  E& ensure_extension() {
    auto& slot = extension_slot_of<E>(extensions);
    if (!slot) slot.emplace();
    return *slot;
  }
  /// Removes the extension E (it is then neither encoded nor listed in schemas).
  template <class E>
  void remove_extension() noexcept {
    extension_slot_of<E>(extensions).reset();
  }

  friend bool operator==(const basic_group&, const basic_group&) = default;
};

template <class... Extensions>
struct resource_traits<basic_group<Extensions...>> {
 private:
  using resource = basic_group<Extensions...>;

 public:
  static constexpr std::string_view schema_urn = urn::group;
  static constexpr auto schemas = &resource::schemas;
  static constexpr auto extra = &resource::extra;
  static constexpr auto fields = std::tuple_cat(
      std::make_tuple(field("schemas", &resource::schemas), field("id", &resource::id),
                      field("externalId", &resource::external_id),
                      field("meta", &resource::meta), field("displayName", &resource::display_name),
                      field("members", &resource::members)),
      extension_fields<Extensions...>());
};

/// The Group resource type as RFC 7643 defines it (no extensions).
using group = basic_group<>;

SCIM_END_NAMESPACE
