// scim-bridge: the store behind the service (the embedded SQLite database).
#pragma once

#include <filesystem>
#include <memory>

#include "scim/schema/registry.hpp"
#include "scim/store/memory_store.hpp"

namespace bridge {

// TEMPORARY: the in-memory store until the SQLite store lands.
using bridge_store = scim::store::memory_store;

inline std::unique_ptr<bridge_store> open_store(const scim::schema_registry& reg, const std::filesystem::path&) {
  return std::make_unique<bridge_store>(reg);
}

}  // namespace bridge
