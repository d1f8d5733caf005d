//! The OpenAPI 3.1 document of `/api`, generated from the handlers'
//! `#[utoipa::path]` annotations and the shared types of `app::types` (so
//! the document cannot drift from the code), served at `/api/openapi.json`
//! and browsable at `/api/docs` (Swagger UI, vendored into the binary:
//! nothing is loaded from the internet).

use crate::routes;
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi,
};

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "cachescope",
        description = "Redis cache-aside lookups, the product database, live replication. \
                       Errors are always a JSON object {\"error\": a sentence}."
    ),
    paths(
        routes::health::health,
        routes::lookup::product,
        routes::lookup::search,
        routes::db::get_product,
        routes::db::list_products,
        routes::db::categories,
        routes::db::put_product,
        routes::db::delete_product,
        routes::stats::stats,
        routes::stats::history,
        routes::stats::reset,
        routes::live::replication,
        routes::keys::list,
        routes::keys::value,
        routes::keys::delete,
        routes::session::sign_in,
        routes::session::who,
        routes::session::sign_out,
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
