// scimpp: scim::expected<T>, the result type of every fallible call.
#pragma once

#include "scim/config.hpp"
#include "scim/error.hpp"

#if SCIM_EXPECTED_IS_STD
#  include <expected>
#else
#  include <tl/expected.hpp>
#endif

#include <utility>

SCIM_BEGIN_NAMESPACE

#if SCIM_EXPECTED_IS_STD
template <class T, class E = error>
using expected = std::expected<T, E>;
template <class E>
using unexpected = std::unexpected<E>;
#else
/// tl::expected<T, scim::error> (tl::expected 1.0: map, and_then, or_else, map_error).
template <class T, class E = error>
using expected = tl::expected<T, E>;
template <class E>
using unexpected = tl::unexpected<E>;
#endif

/// Wraps an error for returning from a function that yields expected<T>.
inline unexpected<error> fail(error e) { return unexpected<error>(std::move(e)); }
/// Builds and wraps an error with the RFC status for `code`.
inline unexpected<error> fail(error_code code, std::string detail) {
  return unexpected<error>(error(code, std::move(detail)));
}

SCIM_END_NAMESPACE
