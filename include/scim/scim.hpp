// scimpp: the umbrella header. Includes the whole core library (everything
// that needs only nlohmann_json and tl-expected).
#pragma once

#include "scim/config.hpp"
#include "scim/date_time.hpp"
#include "scim/error.hpp"
#include "scim/expected.hpp"
#include "scim/json.hpp"
#include "scim/path.hpp"
#include "scim/version.hpp"

#include "scim/schema/attribute.hpp"
#include "scim/schema/core_schemas.hpp"
#include "scim/schema/registry.hpp"
#include "scim/schema/resource_type.hpp"
#include "scim/schema/schema_json.hpp"
#include "scim/schema/urns.hpp"
#include "scim/schema/validate.hpp"

#include "scim/resource/enterprise_user.hpp"
#include "scim/resource/group.hpp"
#include "scim/resource/list_response.hpp"
#include "scim/resource/meta.hpp"
#include "scim/resource/multi_valued.hpp"
#include "scim/resource/traits.hpp"
#include "scim/resource/user.hpp"

#include "scim/filter/ast.hpp"
#include "scim/filter/evaluator.hpp"
#include "scim/filter/parser.hpp"
#include "scim/filter/printer.hpp"
#include "scim/filter/sql.hpp"

#include "scim/patch/apply.hpp"
#include "scim/patch/change_set.hpp"
#include "scim/patch/dialect.hpp"
#include "scim/patch/document.hpp"
#include "scim/patch/normalize.hpp"
#include "scim/patch/operation.hpp"

#include "scim/query/cursor.hpp"
#include "scim/query/list_params.hpp"
#include "scim/query/projection.hpp"
#include "scim/query/sort.hpp"

#include "scim/store/concept.hpp"
#include "scim/store/memory_store.hpp"

#include "scim/service/bulk.hpp"
#include "scim/service/discovery.hpp"
#include "scim/service/hooks.hpp"
#include "scim/service/http.hpp"
#include "scim/service/service.hpp"
