#include "token.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace bridge {
namespace {

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[p[i] >> 4]);
    out.push_back(digits[p[i] & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view salt_hex, std::string_view token) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) throw std::runtime_error("EVP_MD_CTX_new failed");
  const bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx, salt_hex.data(), salt_hex.size()) == 1 &&
                  EVP_DigestUpdate(ctx, token.data(), token.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx, md, &len) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return to_hex(md, len);
}

}  // namespace

std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  return to_hex(buf.data(), buf.size());
}

std::string hash_token(std::string_view token) {
  const std::string salt = random_hex(16);
  return "sha256:" + salt + ":" + sha256_hex(salt, token);
}

bool token_matches(std::string_view line, std::string_view token) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.substr(0, 7) != "sha256:") return false;
  const std::size_t colon = line.find(':', 7);
  if (colon == std::string_view::npos) return false;
  const std::string_view salt = line.substr(7, colon - 7);
  const std::string_view digest = line.substr(colon + 1);
  const std::string actual = sha256_hex(salt, token);
  return actual.size() == digest.size() && CRYPTO_memcmp(actual.data(), digest.data(), digest.size()) == 0;
}

std::string rotate_token(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  const std::string token = random_hex(32);
  const auto file = dir / "token.hash";
  const auto tmp = dir / "token.hash.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out << hash_token(token) << "\n";
    if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, file);
  return token;
}

bool token_verifier::verify(std::optional<std::string_view> authorization) {
  if (!authorization) return false;
  std::string_view h = *authorization;
  if (h.size() < 7 || !(h.substr(0, 7) == "Bearer " || h.substr(0, 7) == "bearer ")) return false;
  std::string_view token = h.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty() || token.size() > 512) return false;
  std::string line;
  {
    std::lock_guard lock(mutex_);
    struct stat st {};
    if (::stat(file_.c_str(), &st) != 0) return false;
    // A rotation renames a new file into place: a new inode, so any change shows.
    const std::string stamp = std::to_string(st.st_ino) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
                              std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_size);
    if (!loaded_ || stamp != stamp_) {
      std::ifstream in(file_);
      std::string l;
      if (!in || !std::getline(in, l)) return false;
      hash_line_ = l;
      stamp_ = stamp;
      loaded_ = true;
    }
    line = hash_line_;
  }
  return token_matches(line, token);
}

}  // namespace bridge
