// scim-bridge: a SCIM 2.0 service provider over HTTP(S) with an embedded
// SQLite database, serving scimpp's transport-agnostic service core with the
// 1Password rules (or plain SCIM with --policy generic).
//
//   scim-bridge serve [--listen HOST:PORT] [--data DIR] [--base-path /scim/v2]
//                     [--tls-cert FILE --tls-key FILE] [--policy onepassword|generic]
//                     [--auto-confirm] [--allowed-domain DOMAIN]... [--public-url URL]
//   scim-bridge token rotate [--data DIR]
//   scim-bridge users confirm EMAIL [--data DIR]
//
// Every flag can also be given as an environment variable (SCIM_BRIDGE_LISTEN,
// SCIM_BRIDGE_DATA, SCIM_BRIDGE_BASE_PATH, SCIM_BRIDGE_TLS_CERT,
// SCIM_BRIDGE_TLS_KEY, SCIM_BRIDGE_POLICY, SCIM_BRIDGE_AUTO_CONFIRM,
// SCIM_BRIDGE_ALLOWED_DOMAINS (comma-separated), SCIM_BRIDGE_PUBLIC_URL,
// SCIM_BRIDGE_MAX_BODY, SCIM_BRIDGE_REQUEST_TIMEOUT, SCIM_BRIDGE_MAX_CONNECTIONS);
// a flag wins over its variable.
//
// Besides SCIM (at the root and under the base path) it answers GET /ping
// without authentication ("pong") and GET /health with it (a JSON report per
// component, like the 1Password SCIM bridge). One JSON log line per request
// goes to stderr (time, request id, method, path without query values,
// status, latency); tokens, passwords and email addresses are never logged.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "bridge.hpp"

namespace {

std::filesystem::path default_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0')
    return std::filesystem::path(xdg) / "scim-bridge";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
    return std::filesystem::path(home) / ".local" / "share" / "scim-bridge";
  return std::filesystem::path("scim-bridge-data");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"scim-bridge: a SCIM 2.0 bridge for 1Password-style provisioning (scimpp example)"};
  app.require_subcommand(1);
  bridge::config cfg;
  std::string data = default_data_dir().string();
  const std::string data_help = "data directory (default: $XDG_DATA_HOME/scim-bridge or ~/.local/share/scim-bridge)";

  auto* serve = app.add_subcommand("serve", "serve SCIM over HTTP(S)");
  serve->add_option("--listen", cfg.listen, "HOST:PORT to listen on")->envname("SCIM_BRIDGE_LISTEN")->capture_default_str();
  serve->add_option("--data", data, data_help)->envname("SCIM_BRIDGE_DATA");
  serve->add_option("--base-path", cfg.base_path, "base path of the SCIM endpoints (also served at /)")
      ->envname("SCIM_BRIDGE_BASE_PATH")
      ->capture_default_str();
  auto* cert = serve->add_option("--tls-cert", cfg.tls_cert, "TLS certificate (PEM); with --tls-key serves HTTPS")
                   ->envname("SCIM_BRIDGE_TLS_CERT");
  auto* key = serve->add_option("--tls-key", cfg.tls_key, "TLS private key (PEM)")->envname("SCIM_BRIDGE_TLS_KEY");
  cert->needs(key);
  key->needs(cert);
  serve->add_option("--policy", cfg.policy, "service rules: onepassword or generic")
      ->envname("SCIM_BRIDGE_POLICY")
      ->check(CLI::IsMember({"onepassword", "generic"}))
      ->capture_default_str();
  serve->add_flag("--auto-confirm", cfg.auto_confirm, "new users start as joined instead of invited")
      ->envname("SCIM_BRIDGE_AUTO_CONFIRM");
  serve->add_option("--allowed-domain", cfg.allowed_domains, "email domain users may have (repeatable; default any)")
      ->envname("SCIM_BRIDGE_ALLOWED_DOMAINS")
      ->delimiter(',');
  serve->add_option("--public-url", cfg.public_url, "external URL of the SCIM base, for meta.location")
      ->envname("SCIM_BRIDGE_PUBLIC_URL");
  serve->add_option("--max-body", cfg.max_body, "largest request body in bytes")
      ->envname("SCIM_BRIDGE_MAX_BODY")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  serve->add_option("--request-timeout", cfg.request_timeout, "seconds to read a request or write a response")
      ->envname("SCIM_BRIDGE_REQUEST_TIMEOUT")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  serve->add_option("--max-connections", cfg.max_connections, "connections served at once")
      ->envname("SCIM_BRIDGE_MAX_CONNECTIONS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}))
      ->capture_default_str();

  auto* token = app.add_subcommand("token", "manage the bearer token");
  token->require_subcommand(1);
  auto* rotate = token->add_subcommand("rotate", "print a new token (the only stdout line); the old one stops working");
  rotate->add_option("--data", data, data_help)->envname("SCIM_BRIDGE_DATA");

  auto* users = app.add_subcommand("users", "manage users");
  users->require_subcommand(1);
  auto* confirm = users->add_subcommand("confirm", "mark an invited user as joined");
  std::string email;
  confirm->add_option("EMAIL", email, "the user's userName")->required();
  confirm->add_option("--data", data, data_help)->envname("SCIM_BRIDGE_DATA");

  CLI11_PARSE(app, argc, argv);
  cfg.data_dir = data;
  try {
    if (serve->parsed()) return bridge::serve(cfg);
    if (rotate->parsed()) {
      std::cout << bridge::rotate(cfg.data_dir) << std::endl;
      return 0;
    }
    if (confirm->parsed()) return bridge::confirm(cfg.data_dir, email);
  } catch (const std::exception& e) {
    std::cerr << "scim-bridge: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
