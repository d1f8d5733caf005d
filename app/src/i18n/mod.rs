//! The UI in English and French.
//!
//! Plain typed tables rather than a translation library: each language is
//! one `static` value of [`Texts`] (`en.rs`, `fr.rs`), so the compiler
//! checks that every text exists in both, texts are plain `&'static str`
//! in the views (no lookup, no reactive wrapper), and the wasm carries no
//! ICU data. Numbers are written per language by [`crate::format`].
//!
//! The server picks the language of each request (the `lang` cookie, else
//! `Accept-Language`, see [`Locale::negotiate`]) and provides it as context
//! before the app renders; the page's `<html lang>` carries it to the
//! browser, which hydrates in the same language. The top bar's switch is a
//! plain link to `/locale`, which sets the cookie and comes back: the page
//! is rendered again by the server, in the new language, with no flash.

mod en;
mod fr;
mod texts;

pub use texts::*;

use crate::types::Locale;
use leptos::prelude::{provide_context, use_context};

/// The texts of a language.
pub fn texts(locale: Locale) -> &'static Texts {
    match locale {
        Locale::En => &en::EN,
        Locale::Fr => &fr::FR,
    }
}

/// The texts of the page being rendered.
pub fn use_texts() -> &'static Texts {
    texts(use_locale())
}

/// The language of the page being rendered (English if none was provided).
pub fn use_locale() -> Locale {
    use_context::<Locale>().unwrap_or_default()
}

/// Makes the page's language available to every component: on the server
/// the request's (provided by the server before the app renders), in the
/// browser the `lang` the server wrote on `<html>`.
pub fn provide_locale() -> Locale {
    let locale = use_context::<Locale>().unwrap_or_else(document_locale);
    provide_context(locale);
    locale
}

/// The `lang` attribute of the page's `<html>` element, in the browser.
fn document_locale() -> Locale {
    #[cfg(feature = "hydrate")]
    {
        let lang = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|html| html.get_attribute("lang"));
        if let Some(locale) = lang.as_deref().and_then(Locale::from_tag) {
            return locale;
        }
    }
    Locale::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_is_written_in_itself() {
        for locale in Locale::ALL {
            assert_eq!(texts(locale).locale, locale);
        }
        assert_ne!(texts(Locale::En).nav.search, texts(Locale::Fr).nav.search);
        assert_eq!(
            (texts(Locale::Fr).search.matching)(1234, Locale::Fr),
            "1\u{202F}234 produits correspondent"
        );
        assert_eq!(
            (texts(Locale::En).search.matching)(1, Locale::En),
            "1 matching product"
        );
    }

    #[test]
    fn refusals_are_written_in_the_page_language() {
        use crate::types::Invalid;
        let too_many = Invalid::TooManyWords;
        // English is the server's own sentence.
        assert_eq!(
            (texts(Locale::En).common.invalid)(&too_many),
            too_many.to_string()
        );
        assert_eq!(
            (texts(Locale::Fr).common.invalid)(&too_many),
            "une recherche combine au plus 8 mots"
        );
        let bounds = Invalid::MinAboveMax {
            min: 10.5,
            max: 5.0,
        };
        assert_eq!(
            bounds.to_string(),
            "min_price (10.5) is above max_price (5)"
        );
        assert_eq!(
            (texts(Locale::Fr).common.invalid)(&bounds),
            "le prix minimum (10,5) dépasse le prix maximum (5)"
        );
        let limit = Invalid::WholeRange {
            field: "limit",
            min: 1,
            max: 1000,
        };
        assert_eq!(
            (texts(Locale::Fr).common.invalid)(&limit),
            "limit doit être un nombre entier de 1 à 1\u{202F}000"
        );
    }
}
