//! The OpenAPI 3.1 document of `/api`, generated from the handlers'
//! `#[utoipa::path]` annotations and the shared types of `app::types`, with
//! the paths collected by the one route list ([`documented`]),
//! so the document cannot drift from the code. Served at `/api/openapi.json`
//! and browsable at `/api/docs` (Swagger UI, vendored into the binary:
//! nothing is loaded from the internet).

use super::{db, health, keys, live, lookup, session, stats};
use crate::state::AppState;
use std::sync::LazyLock;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};
use utoipa_axum::{router::OpenApiRouter, routes};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cachescope",
        description = "Redis cache-aside lookups, the product database, live replication. \
                       Errors are always a JSON object {\"error\": a sentence}."
    ),
    components(schemas(app::types::PriceOrder)),
    modifiers(&AdminToken),
    tags(
        (name = "cache", description = "Cache-aside lookups"),
        (name = "database", description = "The product database (kept in Redis)"),
        (name = "stats", description = "Shared statistics and history"),
        (name = "topology", description = "Health, replication and Sentinel"),
        (name = "keys", description = "The key browser (viewers): SCAN steps and bounded values"),
        (name = "session", description = "Sign-in: a session kept in Redis, in an HttpOnly cookie"),
    )
)]
pub struct ApiDoc;

/// The one list of the API's routes: each handler is registered with the
/// OpenAPI entry its `#[utoipa::path]` declares (method and path included),
/// so the document holds exactly the routes the router serves.
pub fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(
            db::get_product,
            db::put_product,
            db::delete_product
        ))
        .routes(routes!(db::list_products))
        .routes(routes!(db::categories))
        .routes(routes!(lookup::product))
        .routes(routes!(lookup::search))
        .routes(routes!(stats::stats))
        .routes(routes!(stats::reset))
        .routes(routes!(stats::history))
        .routes(routes!(live::replication))
        .routes(routes!(keys::list, keys::delete))
        .routes(routes!(keys::value))
        .routes(routes!(session::who, session::sign_in, session::sign_out))
}

/// The whole document: [`ApiDoc`]'s header, tags and security schemes, and
/// every path of the route list.
pub fn document() -> &'static utoipa::openapi::OpenApi {
    static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> =
        LazyLock::new(|| documented().split_for_parts().1);
    &DOCUMENT
}

/// [`document`] as JSON, serialized once.
pub fn json() -> &'static str {
    static JSON: LazyLock<String> =
        LazyLock::new(|| serde_json::to_string(document()).unwrap_or_default());
    &JSON
}

/// The `admin` and `viewer` security schemes: `Authorization: Bearer
/// <ADMIN_TOKEN>` or `<VIEWER_TOKEN>` (a browser uses the session cookie
/// instead, see `/api/session`).
struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for name in ["admin", "viewer"] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    /// The whole document, as reviewed: any change to a route, a parameter,
    /// a status or a schema shows here (`cargo insta review` to accept).
    #[test]
    fn the_document_is_the_reviewed_one() {
        insta::assert_json_snapshot!("openapi", super::document());
    }
}
