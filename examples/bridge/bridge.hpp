// scim-bridge: the commands behind the command line (main.cpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace bridge {

struct config {
  std::string listen = "127.0.0.1:3002";
  std::filesystem::path data_dir;
  std::string base_path = "/scim/v2";
  std::string tls_cert;
  std::string tls_key;
  std::string policy = "onepassword";
  bool auto_confirm = false;
  std::vector<std::string> allowed_domains;
  std::string public_url;
  /// Largest request body in bytes (413 above).
  std::size_t max_body = 4u * 1024u * 1024u;
  /// Seconds to read a request or write a response.
  int request_timeout = 30;
  /// Connections served at once (more wait in the queue).
  std::size_t max_connections = 32;
};

/// Data directory layout.
inline std::filesystem::path database_file(const std::filesystem::path& dir) { return dir / "scim.db"; }
inline std::filesystem::path token_file(const std::filesystem::path& dir) { return dir / "token.hash"; }
inline std::filesystem::path cursor_key_file(const std::filesystem::path& dir) { return dir / "cursor.key"; }

/// `serve`: runs until SIGINT/SIGTERM; the exit status.
int serve(const config& cfg);
/// `token rotate`: initialises the data directory if needed; the new token.
std::string rotate(const std::filesystem::path& dir);
/// `users confirm EMAIL`: the exit status (0 confirmed, 1 not found or not invited).
int confirm(const std::filesystem::path& dir, const std::string& email);

}  // namespace bridge
