// scimpp: configuration macros and the ABI namespace.
#pragma once

#include "scim/version.hpp"

// SCIM_USE_STD_EXPECTED: when defined to 1 and the standard library provides
// std::expected with its monadic API (C++23, __cpp_lib_expected >= 202211L),
// scim::expected becomes std::expected instead of tl::expected. The choice
// changes the inline ABI namespace, so objects built with different choices
// fail to link instead of silently mixing two layouts.
#if defined(SCIM_USE_STD_EXPECTED) && SCIM_USE_STD_EXPECTED
#  if __has_include(<expected>)
#    include <expected>
#  endif
#  if !defined(__cpp_lib_expected) || __cpp_lib_expected < 202211L
#    error "SCIM_USE_STD_EXPECTED needs std::expected with the monadic API (C++23)"
#  endif
#  define SCIM_EXPECTED_IS_STD 1
#  define SCIM_ABI_TAG abi_v0_std
#else
#  define SCIM_EXPECTED_IS_STD 0
#  define SCIM_ABI_TAG abi_v0_tl
#endif

// Every public declaration lives in scim::SCIM_ABI_TAG (an inline namespace).
#define SCIM_BEGIN_NAMESPACE namespace scim { inline namespace SCIM_ABI_TAG {
#define SCIM_END_NAMESPACE } }

// Default limits applied to untrusted input; each can also be changed at run
// time through the corresponding *_limits structure.
#ifndef SCIM_DEFAULT_MAX_JSON_DEPTH
#  define SCIM_DEFAULT_MAX_JSON_DEPTH 64
#endif
#ifndef SCIM_DEFAULT_MAX_JSON_BYTES
#  define SCIM_DEFAULT_MAX_JSON_BYTES (4u * 1024u * 1024u)
#endif
