// scim-bridge: between cpp-httplib and the transport-agnostic service.
#pragma once

#include <httplib.h>

#include <string>

#include "scim/service/http.hpp"

namespace bridge {

/// The service's view of an httplib request: the raw target (path and query,
/// still percent-encoded: the service decodes them), headers and body.
/// `tls`: whether this server terminates TLS itself; without TLS and without
/// an X-Forwarded-Proto header from a gateway, locations use http.
inline scim::service::request to_scim(const httplib::Request& in, bool tls) {
  scim::service::request out;
  out.method = in.method;
  const std::string& target = in.target.empty() ? in.path : in.target;
  const std::size_t q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string::npos) out.query = target.substr(q + 1);
  out.headers.reserve(in.headers.size());
  for (const auto& [k, v] : in.headers) out.headers.emplace_back(k, v);
  if (!in.has_header("X-Forwarded-Proto")) out.headers.emplace_back("X-Forwarded-Proto", tls ? "https" : "http");
  out.body = in.body;
  return out;
}

/// Writes the service's response into httplib's.
inline void from_scim(const scim::service::response& in, httplib::Response& out) {
  out.status = in.status;
  std::string content_type = "application/scim+json";
  for (const auto& [k, v] : in.headers) {
    if (scim::detail::iequals(k, "Content-Type")) content_type = v;
    else out.set_header(k, v);
  }
  if (!in.body.empty()) out.set_content(in.body, content_type);
}

}  // namespace bridge
