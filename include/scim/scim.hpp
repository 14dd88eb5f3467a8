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
