//! The bar at the top of every page: brand, navigation, sign-in and the
//! language switch.

use crate::i18n::{use_locale, use_texts};
use crate::types::{Locale, LocaleChoice};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

/// Brand and links to each page; the current page's link is marked by the
/// router (`aria-current="page"`).
#[component]
pub fn TopBar() -> impl IntoView {
    let t = use_texts();
    view! {
        <header class="hero">
            <a class="brand" href="/">
                <span class="logo" aria-hidden="true"></span>
                <div>
                    <span class="brand-name">"cachescope"</span>
                    <p class="tagline">{t.nav.tagline}</p>
                </div>
            </a>
            <div class="hero-end">
                <nav class="nav glass" aria-label=t.nav.main>
                    <A href="/" exact=true>{t.nav.search}</A>
                    <A href="/dashboard">{t.nav.dashboard}</A>
                    <A href="/products">{t.nav.products}</A>
                    <A href="/keys">{t.nav.keys}</A>
                </nav>
                <super::SignIn />
                <LanguageSwitch />
            </div>
        </header>
    }
}

/// One link per language, to `/locale`, which keeps the choice in a cookie
/// and brings the person back to this page, rendered by the server in the
/// new language. A full page load (`rel="external"`): it works before
/// hydration and never shows a page half in one language.
#[component]
fn LanguageSwitch() -> impl IntoView {
    let current = use_locale();
    let t = use_texts();
    let location = use_location();
    let here = move || {
        let search = location.search.get();
        let path = location.pathname.get();
        if search.is_empty() {
            path
        } else {
            format!("{path}?{}", search.trim_start_matches('?'))
        }
    };
    view! {
        <nav class="segmented lang glass" aria-label=t.nav.language data-testid="language">
            {Locale::ALL.map(|locale| {
                let active = locale == current;
                view! {
                    <a class=if active { "seg active" } else { "seg" }
                        href=move || LocaleChoice::href(locale, &here())
                        rel="external"
                        hreflang=locale.tag()
                        lang=locale.tag()
                        title=locale.native_name()
                        aria-current=active.then_some("true")
                        data-testid=format!("lang-{}", locale.tag())>
                        {locale.switch_label()}
                    </a>
                }
            })}
        </nav>
    }
}
