// scim-bridge: the store behind the service, the embedded SQLite database.
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>

#include "scim/error.hpp"
#include "scim/schema/registry.hpp"
#include "scim/store/sqlite_store.hpp"

namespace bridge {

using bridge_store = scim::store::sqlite_store;

/// Opens (creating when missing) the database; throws with SQLite's reason.
inline std::unique_ptr<bridge_store> open_store(const scim::schema_registry& reg, const std::filesystem::path& file) {
  auto s = bridge_store::open(reg, file.string());
  if (!s) throw std::runtime_error(file.string() + ": " + scim::format_error(s.error()));
  return std::move(*s);
}

}  // namespace bridge
