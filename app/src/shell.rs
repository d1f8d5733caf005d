//! The HTML document around the app, rendered by the server only, with the
//! request's language on `<html lang>`.

use crate::App;
use leptos::prelude::*;
use leptos_meta::MetaTags;

/// The page shell: head with the stylesheet and hydration scripts, body with
/// the app. The server passes it to `leptos_axum` for every page route.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The request's language, provided by the server before rendering; the
    // browser reads it back from `lang` when it hydrates.
    let lang = crate::i18n::use_locale().tag();
    view! {
        <!DOCTYPE html>
        <html lang=lang>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="dark" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}
