// scimpp: attribute definitions with every RFC 7643 section 7 characteristic.
#pragma once

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

SCIM_BEGIN_NAMESPACE

/// RFC 7643 section 2.3 data types.
enum class attribute_type { string, boolean, decimal, integer, date_time, binary, reference, complex };
/// RFC 7643 section 7 `mutability`.
enum class attribute_mutability { read_only, read_write, immutable, write_only };
/// RFC 7643 section 7 `returned`.
enum class attribute_returned { always, never, default_, request };
/// RFC 7643 section 7 `uniqueness`.
enum class attribute_uniqueness { none, server, global };

constexpr std::string_view to_string(attribute_type t) noexcept {
  switch (t) {
    case attribute_type::string: return "string";
    case attribute_type::boolean: return "boolean";
    case attribute_type::decimal: return "decimal";
    case attribute_type::integer: return "integer";
    case attribute_type::date_time: return "dateTime";
    case attribute_type::binary: return "binary";
    case attribute_type::reference: return "reference";
    case attribute_type::complex: return "complex";
  }
  return "string";
}
constexpr std::string_view to_string(attribute_mutability m) noexcept {
  switch (m) {
    case attribute_mutability::read_only: return "readOnly";
    case attribute_mutability::read_write: return "readWrite";
    case attribute_mutability::immutable: return "immutable";
    case attribute_mutability::write_only: return "writeOnly";
  }
  return "readWrite";
}
constexpr std::string_view to_string(attribute_returned r) noexcept {
  switch (r) {
    case attribute_returned::always: return "always";
    case attribute_returned::never: return "never";
    case attribute_returned::default_: return "default";
    case attribute_returned::request: return "request";
  }
  return "default";
}
constexpr std::string_view to_string(attribute_uniqueness u) noexcept {
  switch (u) {
    case attribute_uniqueness::none: return "none";
    case attribute_uniqueness::server: return "server";
    case attribute_uniqueness::global: return "global";
  }
  return "none";
}

/// One attribute of a schema (or a sub-attribute of a complex attribute).
/// Defaults follow RFC 7643 section 2.2.
struct attribute {
  std::string name;
  attribute_type type = attribute_type::string;
  bool multi_valued = false;
  std::string description;
  bool required = false;
  bool case_exact = false;
  attribute_mutability mutability = attribute_mutability::read_write;
  attribute_returned returned = attribute_returned::default_;
  attribute_uniqueness uniqueness = attribute_uniqueness::none;
  std::vector<std::string> canonical_values;
  /// When true, values outside canonical_values are rejected by validation.
  /// (RFC 7643 lets canonicalValues be advisory; scimpp enforces them only
  /// where a schema says so.)
  bool enforce_canonical_values = false;
  std::vector<std::string> reference_types;
  std::vector<attribute> sub_attributes;

  /// Case-insensitive sub-attribute lookup; nullptr when absent.
  const attribute* find_sub_attribute(std::string_view n) const noexcept {
    for (const auto& a : sub_attributes)
      if (detail::iequals(a.name, n)) return &a;
    return nullptr;
  }
  bool is_complex() const noexcept { return type == attribute_type::complex; }

  friend bool operator==(const attribute&, const attribute&) = default;
};

/// A schema (RFC 7643 section 7): its URN id, name, description and attributes.
struct schema {
  std::string id;
  std::string name;
  std::string description;
  std::vector<attribute> attributes;

  /// Case-insensitive top-level attribute lookup; nullptr when absent.
  const attribute* find(std::string_view n) const noexcept {
    for (const auto& a : attributes)
      if (detail::iequals(a.name, n)) return &a;
    return nullptr;
  }

  friend bool operator==(const schema&, const schema&) = default;
};

SCIM_END_NAMESPACE
