// One side of tools/filter-ab: compiled once per header version, each under
// its own ABI namespace (SCIM_FILTER_AB_SIDE names the functions' namespace).
#include <scim/filter/evaluator.hpp>
#include <scim/filter/parser.hpp>
#include <scim/json.hpp>
#include <scim/resource/user.hpp>
#include <scim/schema/registry.hpp>

#include <cstddef>
#include <fstream>
#include <span>
#include <string>
#include <vector>

namespace SCIM_FILTER_AB_SIDE {

// Decodes users.jsonl into typed users (kept for the process's lifetime).
const void* load(const char* path, std::size_t& n) {
  std::ifstream in(path);
  std::string line;
  std::vector<scim::json> docs;
  while (std::getline(in, line))
    if (auto j = scim::parse_json(line)) docs.push_back(std::move(*j));
  auto* users = new std::vector<scim::user>();
  users->reserve(docs.size());
  for (const auto& j : docs)
    if (auto u = scim::decode<scim::user>(j)) users->push_back(std::move(*u));
  n = users->size();
  return users->data();
}

// A predicate compiled for the User type, or nullptr.
void* compile(const char* text) {
  const auto& reg = scim::default_registry();
  auto f = scim::filter::parse(text);
  if (!f) return nullptr;
  auto p = scim::filter::compile_for<scim::user>(*f, *reg.find_resource_type("User"), reg);
  return p ? new scim::filter::predicate(std::move(*p)) : nullptr;
}

// The users are the other side's: both sides' scim::user have one layout.
std::size_t count(const void* predicate, const void* users, std::size_t n) {
  const auto* p = static_cast<const scim::filter::predicate*>(predicate);
  return p->count_matches(std::span<const scim::user>(static_cast<const scim::user*>(users), n));
}

}  // namespace SCIM_FILTER_AB_SIDE
