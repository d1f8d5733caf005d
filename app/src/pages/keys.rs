//! `/keys`: the key browser. What one would do with `redis-cli` to check
//! that data exists (`SCAN` by pattern, `GET db:product:prod1`), as a page:
//! a pattern box and a type filter, keys in steps of one bounded `SCAN`
//! ("Load more" follows the cursor), and the value of the chosen key. The
//! pattern, the type and the chosen key live in the URL, so a product or a
//! cache answer can link straight to its key.

use crate::api;
use crate::format::{format_bytes, format_ms};
use crate::i18n::{use_texts, Texts};
use crate::types::{
    percent_encode, ApiFailure, KeyDeleted, KeyInfo, KeyItem, KeyPage, KeyQuery, KeyType, KeyValue,
};
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

/// Keys looked at per step.
const STEP: u64 = 500;
/// In the browser, steps taken by themselves after the first while they
/// find fewer than [`ENOUGH`] keys (a narrow pattern over a large keyspace
/// matches nothing in most steps).
const AUTO_STEPS: usize = 10;
/// Keys that make a page worth showing without scanning on.
const ENOUGH: usize = 20;
/// The types the filter offers.
const TYPES: [KeyType; 6] = [
    KeyType::String,
    KeyType::Hash,
    KeyType::List,
    KeyType::Set,
    KeyType::Zset,
    KeyType::Stream,
];

/// The page URL that shows `key` (found by its own name as the pattern).
pub fn key_href(key: &str) -> String {
    let key = percent_encode(key);
    format!("/keys?match={key}&key={key}")
}

/// Pattern box, type filter, keys, and the chosen key's value.
#[component]
pub fn KeysPage() -> impl IntoView {
    let t = use_texts();
    let k = &t.keys;
    let url = use_query_map();
    let scan = Memo::new(move |_| {
        let q = url.read();
        KeyQuery {
            pattern: q
                .get("match")
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| "*".to_string()),
            kind: q.get("type").and_then(|t| KeyType::parse(&t)),
            cursor: 0,
            count: STEP,
        }
    });
    let chosen = Memo::new(move |_| url.read().get("key").filter(|k| !k.is_empty()));
    let first = Resource::new(
        move || scan.get(),
        |query| api::get_json::<KeyPage>(api::paths::keys(&query)),
    );
    let value = Resource::new(
        move || chosen.get(),
        |key| async move {
            match key {
                Some(key) => Some(api::get_json::<KeyValue>(api::paths::key_value(&key)).await),
                None => None,
            }
        },
    );

    // "Load more": later steps of the same scan, appended in the browser.
    let more = RwSignal::new(Vec::<KeyInfo>::new());
    let cursor = RwSignal::new(None::<u64>);
    let loading = RwSignal::new(false);
    // One more step (`steps` of them while fewer than ENOUGH keys show).
    let step = move |steps: usize| {
        let Some(at) = cursor.get_untracked() else {
            return;
        };
        loading.set(true);
        let query = KeyQuery {
            cursor: at,
            ..scan.get_untracked()
        };
        leptos::task::spawn_local(async move {
            let mut query = query;
            for _ in 0..steps.max(1) {
                let Ok(page) = api::get_json::<KeyPage>(api::paths::keys(&query)).await else {
                    break;
                };
                more.update(|keys| keys.extend(page.keys));
                cursor.set((page.cursor != 0).then_some(page.cursor));
                query.cursor = page.cursor;
                if page.cursor == 0 || more.with_untracked(Vec::len) >= ENOUGH {
                    break;
                }
            }
            loading.set(false);
        });
    };
    Effect::new(move |_| {
        if let Some(Ok(page)) = first.get() {
            more.set(Vec::new());
            cursor.set((page.cursor != 0).then_some(page.cursor));
            if page.keys.len() < ENOUGH {
                step(AUTO_STEPS);
            }
        }
    });
    let load_more = move |_| step(1);

    view! {
        <section class="glass card keys-page">
            <div class="card-head">
                <h2>{k.title}</h2>
                <span class="muted">{k.intro}</span>
            </div>
            <Form method="GET" action="/keys" attr:class="keys-form">
                <input class="search-input" type="search" name="match" maxlength="256" autocomplete="off"
                    aria-label=k.pattern_label placeholder=k.pattern_placeholder
                    data-testid="keys-pattern" prop:value=move || scan.get().pattern />
                <select name="type" aria-label=k.type_label data-testid="keys-type"
                    prop:value=move || scan.get().kind.map(KeyType::as_str).unwrap_or("")>
                    <option value="">{k.all_types}</option>
                    {TYPES.map(|t| view! { <option value=t.as_str()>{t.as_str()}</option> })}
                </select>
                <button class="button" type="submit" data-testid="keys-submit">{k.scan}</button>
            </Form>
            <Transition fallback=move || view! { <p class="muted">{k.scanning}</p> }>
                {move || first.get().map(|page| match page {
                    Err(failure) => view! { <div class="alert alert-down" role="alert" data-testid="keys-error">{failure.error}</div> }.into_any(),
                    Ok(page) => {
                        let pattern = scan.get_untracked().pattern;
                        view! {
                            <p class="muted" data-testid="keys-total">
                                {(k.total)(page.total, &pattern, t.locale)}
                            </p>
                            {(page.hidden > 0).then(|| view! {
                                <p class="muted" data-testid="keys-hidden">{(k.hidden)(page.hidden, t.locale)}</p>
                            })}
                            <KeyTable keys=page.keys more chosen />
                        }.into_any()
                    }
                })}
            </Transition>
            {move || cursor.get().map(|_| view! {
                <button class="button ghost" type="button" data-testid="keys-more"
                    disabled=move || loading.get() on:click=load_more>
                    {move || if loading.get() { k.loading } else { k.load_more }}
                </button>
            })}
        </section>
        <Transition fallback=|| ()>
            {move || value.get().flatten().map(|answer| match answer {
                // Refused like the key list above, which already says why.
                Err(failure) if refused(&failure) && first.get().is_some_and(|p| p.is_err()) => ().into_any(),
                Err(failure) => view! {
                    <section class="glass card"><div class="alert alert-down" role="alert" data-testid="key-error">{failure.error}</div></section>
                }.into_any(),
                Ok(value) => view! { <ValueCard value /> }.into_any(),
            })}
        </Transition>
    }
}

/// The keys found so far: the first step's, then those loaded later.
#[component]
fn KeyTable(
    keys: Vec<KeyInfo>,
    more: RwSignal<Vec<KeyInfo>>,
    chosen: Memo<Option<String>>,
) -> impl IntoView {
    let t = use_texts();
    let k = &t.keys;
    let row = move |info: KeyInfo| {
        let href = key_href(&info.key);
        let is_chosen = {
            let key = info.key.clone();
            move || chosen.get().as_deref() == Some(key.as_str())
        };
        view! {
            <tr class=move || if is_chosen() { "chosen" } else { "" }>
                <td class="key-name"><a href=href data-testid="key-link">{info.key.clone()}</a></td>
                <td>{info.kind.as_str()}</td>
                <td>{ttl_text(info.ttl_ms, t)}</td>
                <td>{info.bytes.map(|b| format_bytes(b, t.locale)).unwrap_or_default()}</td>
            </tr>
        }
    };
    let empty = keys.is_empty();
    view! {
        <div class="table-scroll">
            <table class="keys" data-testid="keys">
                <thead><tr><th>{k.key}</th><th>{k.kind}</th><th>{k.ttl}</th><th>{k.size}</th></tr></thead>
                <tbody>
                    {keys.into_iter().map(row).collect_view()}
                    {move || more.get().into_iter().map(row).collect_view()}
                </tbody>
            </table>
        </div>
        {move || (empty && more.with(Vec::is_empty)).then(|| view! {
            <p class="muted" data-testid="keys-none">{k.none}</p>
        })}
    }
}

/// One key's value, as its type shows best.
#[component]
fn ValueCard(value: KeyValue) -> impl IntoView {
    let t = use_texts();
    let k = &t.keys;
    let facts = format!(
        "{} · {} · TTL {} · {} · {}",
        value.kind.as_str(),
        value.encoding.clone().unwrap_or_default(),
        ttl_text(value.ttl_ms, t),
        value
            .bytes
            .map(|b| format_bytes(b, t.locale))
            .unwrap_or_default(),
        if value.kind == KeyType::String {
            (k.bytes)(value.length, t.locale)
        } else {
            (k.elements)(value.length, t.locale)
        },
    );
    let body = match (&value.text, value.kind) {
        (Some(text), _) => view! { <pre class="key-text" data-testid="key-text">{text.clone()}</pre> }.into_any(),
        (None, KeyType::Hash) => view! {
            <table class="keys"><tbody>
                {value.items.iter().map(|i| view! { <tr><th>{i.field.clone().unwrap_or_default()}</th><td>{i.value.clone()}{cut_note(i, t)}</td></tr> }).collect_view()}
            </tbody></table>
        }.into_any(),
        (None, KeyType::Zset) => view! {
            <table class="keys"><tbody>
                {value.items.iter().map(|i| view! { <tr><td>{i.value.clone()}{cut_note(i, t)}</td><td>{i.score.map(|s| s.to_string()).unwrap_or_default()}</td></tr> }).collect_view()}
            </tbody></table>
        }.into_any(),
        (None, _) => view! {
            <ul class="key-items">
                {value.items.iter().map(|i| view! { <li>{i.value.clone()}{cut_note(i, t)}</li> }).collect_view()}
            </ul>
        }.into_any(),
    };
    let evictable = value.key.starts_with("cache:");
    let key = value.key.clone();
    view! {
        <section class="glass card" data-testid="key-value">
            <h2 class="mono key-title">{value.key.clone()}</h2>
            <p class="muted">{facts}</p>
            {body}
            {value.truncated.then(|| view! { <p class="warn-line" data-testid="value-cut">{k.truncated}</p> })}
            {evictable.then(|| view! { <Evict key /> })}
        </section>
    }
}

/// Evicts a cache entry (admin token required), so a person can force a
/// miss and watch the next lookup read the database. The token is kept in
/// this form only, never stored.
#[component]
fn Evict(key: String) -> impl IntoView {
    let k = &use_texts().keys;
    let token = RwSignal::new(String::new());
    // Signed in as admin: the session (and its CSRF token) does, no field.
    let session = crate::session::use_session();
    let signed_in_admin = move || admin_csrf(session.0.get());
    let outcome = RwSignal::new(None::<Result<&'static str, String>>);
    let busy = RwSignal::new(false);
    let product = key
        .strip_prefix("cache:product:")
        .map(|id| format!("/?q={}", percent_encode(id)));
    let evict = {
        let key = key.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let path = api::paths::key(&key);
            busy.set(true);
            let csrf = admin_csrf(session.0.get_untracked());
            leptos::task::spawn_local(async move {
                let answer: Result<KeyDeleted, _> = match csrf {
                    Some(csrf) => match api::send(
                        "DELETE",
                        path,
                        None,
                        vec![(crate::types::CSRF_HEADER, csrf)],
                    )
                    .await
                    {
                        Ok((status, body)) => api::decode(status, &body),
                        Err(failure) => Err(failure),
                    },
                    None => api::delete_json(path, token.get_untracked()).await,
                };
                outcome.set(Some(match answer {
                    Ok(done) if done.deleted => Ok(k.evicted),
                    Ok(_) => Ok(k.already_gone),
                    Err(failure) => Err(failure.error),
                }));
                busy.set(false);
            });
        }
    };
    view! {
        <form class="evict" on:submit=evict data-testid="evict">
            {move || signed_in_admin().is_none().then(|| view! {
                <label class="field">
                    <span>{k.admin_token}</span>
                    <input type="password" autocomplete="off" data-testid="evict-token"
                        prop:value=move || token.get() on:input=move |ev| token.set(event_target_value(&ev)) />
                </label>
            })}
            <button class="button" type="submit" data-testid="evict-submit" disabled=move || busy.get()>{k.evict}</button>
            {move || outcome.get().map(|outcome| match outcome {
                Ok(text) => view! {
                    <p class="ok-line" role="status" data-testid="evict-outcome">{text}
                        {product.clone().map(|href| view! { " " <a href=href>{k.look_up}</a> })}
                    </p>
                }.into_any(),
                Err(error) => view! { <p class="alert alert-down" role="alert" data-testid="evict-outcome">{error}</p> }.into_any(),
            })}
        </form>
    }
}

/// The CSRF token of an admin session (`None` for anyone else).
fn admin_csrf(session: Option<Result<crate::types::SessionInfo, ApiFailure>>) -> Option<String> {
    session
        .and_then(Result::ok)
        .filter(|s| s.role == crate::types::Role::Admin)
        .and_then(|s| s.csrf_token)
}

/// A refusal for the caller's role (not signed in, or not allowed).
fn refused(failure: &ApiFailure) -> bool {
    matches!(failure.status, Some(401 | 403))
}

/// "cut to 1 KiB of 1.0 MiB" after an element shown in part.
fn cut_note(item: &KeyItem, t: &'static Texts) -> Option<impl IntoView> {
    item.cut.then(|| {
        let size = item.bytes.max(item.field_bytes.unwrap_or(0));
        view! { <span class="cut-note" data-testid="element-cut">{(t.keys.element_cut)(size, t.locale)}</span> }
    })
}

fn ttl_text(ttl_ms: Option<u64>, t: &Texts) -> String {
    ttl_ms
        .map(|ms| format_ms(ms, t.locale))
        .unwrap_or_else(|| t.keys.no_ttl.to_string())
}
