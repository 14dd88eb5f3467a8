// scim-bridge: the bearer token, stored only as a salted hash.
//
// The data directory holds `token.hash`: one line "sha256:<salt hex>:<digest hex>"
// where digest = SHA-256(salt || token). Tokens are 32 random bytes from
// OpenSSL's RAND_bytes, written as 64 hex characters; comparison is constant
// time (CRYPTO_memcmp). A running bridge re-reads the file when its
// modification time or size changes, so `scim-bridge token rotate` takes
// effect without a restart.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace bridge {

/// Random bytes as lower-case hex (OpenSSL RAND_bytes); throws on RNG failure.
std::string random_hex(std::size_t bytes);

/// "sha256:<salt>:<digest>" for a token and a fresh salt.
std::string hash_token(std::string_view token);

/// Whether `token` matches a "sha256:<salt>:<digest>" line (constant time).
bool token_matches(std::string_view hash_line, std::string_view token);

/// Generates a token, stores its hash in `dir`/token.hash (atomically:
/// write + rename, mode 0600) and returns the token.
std::string rotate_token(const std::filesystem::path& dir);

/// Verifies Authorization headers against `dir`/token.hash, re-reading the
/// file when it changes. Thread-safe.
class token_verifier {
 public:
  explicit token_verifier(std::filesystem::path file) : file_(std::move(file)) {}
  /// Whether the header is "Bearer <token>" with the current token.
  bool verify(std::optional<std::string_view> authorization);

 private:
  std::filesystem::path file_;
  std::mutex mutex_;
  std::string hash_line_;
  std::string stamp_;
  bool loaded_ = false;
};

}  // namespace bridge
