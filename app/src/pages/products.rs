//! `/products`: browse the product database by category, sorted by price.
//! Filters live in the URL (`?category=&order=&offset=`), so every view can be
//! linked, works before hydration, and the back button behaves.

use crate::api;
use crate::components::ProductCard;
use crate::format::format_count;
use crate::i18n::use_texts;
use crate::types::{percent_encode, CategoryCount, ListQuery, PriceOrder, ProductPage};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Products per page.
const PAGE: u64 = 24;

/// What the URL asks to show.
#[derive(Debug, Clone, PartialEq)]
struct Filters {
    category: Option<String>,
    order: PriceOrder,
    offset: u64,
}

impl Filters {
    /// The API query for these filters.
    fn api_path(&self) -> String {
        let listing = ListQuery {
            category: self.category.clone(),
            order: self.order,
            offset: self.offset,
            limit: PAGE,
            ..ListQuery::default()
        };
        api::paths::db_products(&listing)
    }

    /// The page URL for these filters.
    fn href(&self) -> String {
        let mut href = format!("/products?order={}", self.order.as_str());
        if let Some(category) = &self.category {
            href.push_str("&category=");
            href.push_str(&percent_encode(category));
        }
        if self.offset > 0 {
            href.push_str(&format!("&offset={}", self.offset));
        }
        href
    }
}

/// Category chips, price order, and the product grid with paging.
#[component]
pub fn ProductsPage() -> impl IntoView {
    let t = use_texts();
    let p = &t.products;
    let query = use_query_map();
    let filters = Memo::new(move |_| {
        let q = query.read();
        Filters {
            category: q.get("category").filter(|c| !c.is_empty()),
            order: q
                .get("order")
                .and_then(|o| PriceOrder::parse(&o).ok())
                .unwrap_or_default(),
            offset: q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0),
        }
    });
    let page = Resource::new(
        move || filters.get(),
        |f| api::get_json::<ProductPage>(f.api_path()),
    );
    let categories = Resource::new(|| (), |_| api::categories());

    let sort_link = move |order: PriceOrder, label: &'static str, testid: &'static str| {
        let href = move || {
            Filters {
                order,
                offset: 0,
                ..filters.get()
            }
            .href()
        };
        let class = move || {
            if filters.get().order == order {
                "seg active"
            } else {
                "seg"
            }
        };
        view! {
            <a href=href class=class data-testid=testid>
                {label}
            </a>
        }
    };

    view! {
        <section class="glass card products-page">
            <div class="card-head">
                <h2>{p.title}</h2>
                <div class="segmented" role="group" aria-label=p.sort_label>
                    {sort_link(PriceOrder::PriceAsc, p.price_asc, "sort-asc")}
                    {sort_link(PriceOrder::PriceDesc, p.price_desc, "sort-desc")}
                </div>
            </div>
            <p class="muted">{p.intro}</p>
            <Transition fallback=|| view! { <div class="chips"></div> }>
                {move || {
                    categories
                        .get()
                        .map(|result| match result {
                            Err(failure) => view! { <p class="alert alert-down">{failure.error}</p> }.into_any(),
                            Ok(list) => view! { <CategoryChips list filters /> }.into_any(),
                        })
                }}
            </Transition>
            <Transition fallback=move || view! { <p class="muted">{p.loading}</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Err(failure) => {
                                view! {
                                    <div class="alert alert-down" role="alert">
                                        <strong>{p.cannot_list}</strong>
                                        {failure.error}
                                    </div>
                                }
                                    .into_any()
                            }
                            Ok(page) => view! { <Grid page filters=filters.get_untracked() /> }.into_any(),
                        })
                }}
            </Transition>
        </section>
    }
}

/// "All" plus one link per category, with counts; the current one is marked.
#[component]
fn CategoryChips(list: Vec<CategoryCount>, filters: Memo<Filters>) -> impl IntoView {
    let t = use_texts();
    let total: u64 = list.iter().map(|c| c.count).sum();
    let chip = move |name: Option<String>, label: String, count: u64| {
        let active = {
            let name = name.clone();
            Memo::new(move |_| filters.get().category == name)
        };
        let href = {
            let name = name.clone();
            move || {
                Filters {
                    category: name.clone(),
                    offset: 0,
                    ..filters.get()
                }
                .href()
            }
        };
        view! {
            <a
                href=href
                class=move || if active.get() { "chip-link active" } else { "chip-link" }
                aria-current=move || active.get().then_some("true")
                data-testid="category"
                data-name=name.clone().unwrap_or_default()
            >
                {label}
                <span class="count">{format_count(count, t.locale)}</span>
            </a>
        }
    };
    view! {
        <nav class="chips" aria-label=t.products.categories>
            {chip(None, t.products.all.to_string(), total)}
            {list.into_iter().map(|c| chip(Some(c.name.clone()), c.name, c.count)).collect_view()}
        </nav>
    }
}

/// The product tiles, a count line and previous/next links.
#[component]
fn Grid(page: ProductPage, filters: Filters) -> impl IntoView {
    let t = use_texts();
    let p = &t.products;
    let shown = page.items.len() as u64;
    let first = if shown == 0 { 0 } else { filters.offset + 1 };
    let last = filters.offset + shown;
    let prev = (filters.offset > 0).then(|| {
        Filters {
            offset: filters.offset.saturating_sub(PAGE),
            ..filters.clone()
        }
        .href()
    });
    let next = (last < page.total).then(|| {
        Filters {
            offset: last,
            ..filters.clone()
        }
        .href()
    });
    view! {
        <p class="muted" data-testid="count">{(p.count)(first, last, page.total, t.locale)}</p>
        {(page.items.is_empty()).then(|| view! { <p class="empty">{p.none}</p> })}
        <div class="grid">
            {page.items.into_iter().map(|product| view! { <ProductCard product /> }).collect_view()}
        </div>
        <div class="pager">
            {prev.map(|href| view! { <a class="button ghost" href=href>{p.previous}</a> })}
            {next.map(|href| view! { <a class="button ghost" href=href data-testid="next">{p.next}</a> })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_carry_the_filters() {
        let f = Filters {
            category: Some("home & garden".to_string()),
            order: PriceOrder::PriceDesc,
            offset: 24,
        };
        assert_eq!(
            f.href(),
            "/products?order=price_desc&category=home%20%26%20garden&offset=24"
        );
        assert_eq!(
            f.api_path(),
            "/api/db/products?order=price_desc&limit=24&offset=24&category=home%20%26%20garden"
        );
    }
}
