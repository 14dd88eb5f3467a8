// scimpp: the HTTP-shaped request and response of the transport-agnostic
// service provider (scim/service/service.hpp).
//
// The service never sees a socket: a web framework (or a test) fills a
// scim::service::request from whatever it received and writes the
// scim::service::response back. Header names are compared case-insensitively
// (HTTP/1.1 and HTTP/2 spellings both work); the first header of a name wins.
//
//   scim::service::request req{"GET", "/scim/v2/Users", "filter=userName+eq+%22bjensen%22",
//                              {{"Authorization", "Bearer abc"}}, ""};
//   scim::service::response res = svc.handle(req);
//   // res.status, res.headers, res.body
//
// `path` may carry the query string after a '?' instead of `query`; a query
// in `query` wins when both are given.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scim/config.hpp"
#include "scim/detail/ascii.hpp"

SCIM_BEGIN_NAMESPACE
namespace service {

/// A header: name and value.
using header = std::pair<std::string, std::string>;

/// Case-insensitive lookup in a header list; nullopt when absent.
inline std::optional<std::string_view> find_header(const std::vector<header>& headers,
                                                   std::string_view name) noexcept {
  for (const auto& h : headers)
    if (scim::detail::iequals(h.first, name)) return std::string_view(h.second);
  return std::nullopt;
}

/// An HTTP request as the service sees it.
struct request {
  /// GET, POST, PUT, PATCH, DELETE (case-insensitive), HEAD is not served.
  std::string method;
  /// The request target's path (percent-encoded as received); may end with `?query`.
  std::string path;
  /// The raw query string without the leading '?'.
  std::string query{};
  std::vector<header> headers{};
  std::string body{};

  std::optional<std::string_view> header_value(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
};

/// An HTTP response produced by the service.
struct response {
  int status = 200;
  std::vector<header> headers{};
  std::string body{};

  std::optional<std::string_view> header_value(std::string_view name) const noexcept {
    return find_header(headers, name);
  }
  /// Sets (replaces) a header.
  void set_header(std::string name, std::string value) {
    for (auto& h : headers) {
      if (scim::detail::iequals(h.first, name)) {
        h.second = std::move(value);
        return;
      }
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
};

/// The media type SCIM responses carry (RFC 7644 section 3.1).
inline constexpr std::string_view scim_media_type = "application/scim+json";

/// Whether a Content-Type names a JSON media type SCIM accepts:
/// application/scim+json or application/json, parameters (charset) allowed,
/// case-insensitive, surrounding blanks ignored.
constexpr bool is_scim_content_type(std::string_view content_type) noexcept {
  const std::size_t semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  return scim::detail::iequals(t, "application/scim+json") || scim::detail::iequals(t, "application/json");
}

}  // namespace service
SCIM_END_NAMESPACE
