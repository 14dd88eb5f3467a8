// jumpcloud-sync: sends the planner's requests over HTTP(S) with cpp-httplib.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "scim/service/http.hpp"

namespace sync_tool {

/// A connection to a SCIM base URL ("https://host:port/scim/v2" or "http://host:port").
class http_transport {
 public:
  /// `base_url`: scheme, host, optional port and optional base path.
  explicit http_transport(const std::string& base_url) {
    std::string rest = base_url;
    std::string scheme = "http";
    if (auto p = rest.find("://"); p != std::string::npos) {
      scheme = rest.substr(0, p);
      rest = rest.substr(p + 3);
    }
    const auto slash = rest.find('/');
    const std::string host_port = rest.substr(0, slash);
    base_path_ = slash == std::string::npos ? std::string() : rest.substr(slash);
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
    client_ = std::make_unique<httplib::Client>(scheme + "://" + host_port);
    client_->set_connection_timeout(10, 0);
    client_->set_read_timeout(60, 0);
    client_->set_write_timeout(60, 0);
    client_->set_keep_alive(true);
  }

  /// The base path of the URL ("/scim/v2" or "").
  const std::string& base_path() const noexcept { return base_path_; }

  /// Sends one request; a transport failure becomes status 0 with the reason
  /// in the body (the planner treats it like a 5xx).
  scim::service::response send(const scim::service::request& r) {
    httplib::Headers headers;
    std::string content_type = "application/scim+json";
    for (const auto& [k, v] : r.headers) {
      if (scim::detail::iequals(k, "Content-Type")) content_type = v;
      else headers.emplace(k, v);
    }
    std::string target = r.path;
    if (!r.query.empty()) target += "?" + r.query;
    httplib::Result res{nullptr, httplib::Error::Unknown};
    if (r.method == "GET") res = client_->Get(target, headers);
    else if (r.method == "DELETE") res = client_->Delete(target, headers);
    else if (r.method == "POST") res = client_->Post(target, headers, r.body, content_type);
    else if (r.method == "PUT") res = client_->Put(target, headers, r.body, content_type);
    else if (r.method == "PATCH") res = client_->Patch(target, headers, r.body, content_type);
    scim::service::response out;
    if (!res) {
      out.status = 0;
      out.body = "transport error: " + httplib::to_string(res.error());
      return out;
    }
    out.status = res->status;
    out.body = res->body;
    for (const auto& [k, v] : res->headers) out.headers.emplace_back(k, v);
    return out;
  }

 private:
  std::unique_ptr<httplib::Client> client_;
  std::string base_path_;
};

}  // namespace sync_tool
