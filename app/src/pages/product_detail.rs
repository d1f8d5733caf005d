//! `/products/{id}`: one product, read from the product database.

use crate::api;
use crate::format::format_price;
use crate::i18n::use_texts;
use crate::types::{ApiFailure, DbProduct, ProductId};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

/// Every field of one product, and where the answer came from.
#[component]
pub fn ProductDetailPage() -> impl IntoView {
    let t = use_texts();
    let p = &t.products;
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let product = Resource::new(id, move |id| {
        // A malformed id is answered here, as the API would (400), without
        // putting it into a request path.
        let checked = ProductId::parse(&id).map(|id| api::paths::db_product(&id));
        async move {
            match checked {
                Ok(path) => api::get_json::<DbProduct>(path).await,
                Err(invalid) => Err(ApiFailure {
                    status: Some(400),
                    error: (t.common.invalid)(&invalid),
                }),
            }
        }
    });
    view! {
        <section class="glass card detail">
            <a class="back" href="/products">{p.back}</a>
            <Transition fallback=move || view! { <p class="muted">{t.common.loading}</p> }>
                {move || {
                    product
                        .get()
                        .map(|result| match result {
                            Err(failure) => {
                                view! {
                                    <div class="alert alert-down" role="alert" data-testid="detail-error">
                                        {failure.error}
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(DbProduct { data, source }) => {
                                view! {
                                    <div class="detail-head">
                                        <h2 data-testid="detail-name">{data.name.clone()}</h2>
                                        <span class="badge badge-db" title=p.served_by data-testid="detail-source">
                                            {source.label()}
                                        </span>
                                    </div>
                                    <div class="price big">{format_price(data.price, t.locale)}</div>
                                    <dl class="facts wide">
                                        <dt>{p.id}</dt>
                                        <dd>{data.id.to_string()}</dd>
                                        <dt>{p.category}</dt>
                                        <dd>{data.category.clone()}</dd>
                                        <dt>{p.stock}</dt>
                                        <dd>{if data.in_stock { t.common.in_stock } else { t.common.out_of_stock }}</dd>
                                        {(source == crate::types::StoreKind::RedisDb).then(|| {
                                            let key = format!("db:product:{}", data.id);
                                            view! {
                                                <dt>{p.redis_key}</dt>
                                                <dd><a class="mono" href=crate::pages::key_href(&key) data-testid="detail-key">{key.clone()}</a></dd>
                                            }
                                        })}
                                    </dl>
                                    <ul class="features big">
                                        {data.features.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Transition>
        </section>
    }
}
