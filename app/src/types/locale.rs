//! The language a page is written in, and how the server picks it for a
//! request: the `lang` cookie a person set with the top bar's switch, else
//! the best of the browser's `Accept-Language`, else English. The browser
//! never guesses: it reads the `lang` of the page the server rendered, so
//! hydration always continues in the server's language.

use serde::{Deserialize, Serialize};

/// A language of the UI.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    /// English, the default.
    #[default]
    En,
    /// French, the language of the workshop cachescope comes from.
    Fr,
}

/// Name of the cookie that keeps a person's choice.
pub const LOCALE_COOKIE: &str = "lang";

/// Longest `Accept-Language` or `Cookie` header read; the rest is ignored.
const MAX_HEADER: usize = 2048;

impl Locale {
    /// Every language, in the order the switch shows them.
    pub const ALL: [Locale; 2] = [Locale::En, Locale::Fr];

    /// The BCP 47 tag, for `<html lang>`, the cookie and URLs.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::Fr => "fr",
        }
    }

    /// The switch's label: the tag in capitals.
    pub fn switch_label(self) -> &'static str {
        match self {
            Locale::En => "EN",
            Locale::Fr => "FR",
        }
    }

    /// The language's name in itself, for the switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::En => "English",
            Locale::Fr => "Français",
        }
    }

    /// A tag's language, regional variants included (`fr-CA` is French);
    /// `None` for a language the UI is not written in.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        Locale::ALL
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.tag()))
    }

    /// The language the person prefers most among those the UI has, from an
    /// `Accept-Language` header (`fr-CH, fr;q=0.9, en;q=0.8`): the highest
    /// quality wins, the first listed among equals; `q=0` means "not this".
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(Locale, u16)> = None;
        for item in bounded(header).split(',') {
            let mut parts = item.split(';');
            let Some(locale) = parts.next().and_then(Locale::from_tag) else {
                continue;
            };
            let quality = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_quality);
            let Some(quality) = quality.filter(|q| *q > 0) else {
                continue;
            };
            if best.is_none_or(|(_, q)| quality > q) {
                best = Some((locale, quality));
            }
        }
        best.map(|(locale, _)| locale)
    }

    /// The choice kept in the `lang` cookie of a `Cookie` header.
    pub fn from_cookie_header(header: &str) -> Option<Locale> {
        bounded(header).split(';').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            (name.trim() == LOCALE_COOKIE)
                .then(|| Locale::from_tag(value.trim().trim_matches('"')))
                .flatten()
        })
    }

    /// The language of a request: its cookie, else its `Accept-Language`,
    /// else English.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Locale {
        cookie
            .and_then(Locale::from_cookie_header)
            .or_else(|| accept_language.and_then(Locale::from_accept_language))
            .unwrap_or_default()
    }
}

/// A header's first [`MAX_HEADER`] bytes, cut on a character boundary.
fn bounded(header: &str) -> &str {
    if header.len() <= MAX_HEADER {
        return header;
    }
    let mut end = MAX_HEADER;
    while !header.is_char_boundary(end) {
        end -= 1;
    }
    &header[..end]
}

/// `0.8` → 800; `1` → 1000; anything malformed or above 1 → `None`.
fn parse_quality(q: &str) -> Option<u16> {
    let q = q.trim();
    let (whole, frac) = q.split_once('.').unwrap_or((q, ""));
    if frac.len() > 3 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u16 = match whole {
        "0" => 0,
        "1" => 1,
        _ => return None,
    };
    let frac_value = format!("{frac:0<3}").parse::<u16>().ok()?;
    let value = whole * 1000 + frac_value;
    (value <= 1000).then_some(value)
}

/// Where the language switch sends a person: `GET /locale?set=fr&back=/keys`
/// keeps the choice in the cookie and returns to `back`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocaleChoice {
    /// The language chosen.
    pub set: Locale,
    /// The page to return to: a path on this site (never another site).
    #[serde(default)]
    pub back: Option<String>,
}

/// Longest `back` path accepted.
pub const MAX_BACK_LEN: usize = 1024;

impl LocaleChoice {
    /// The URL of the switch to `locale` from the page at `back` (a path
    /// with its query string).
    pub fn href(locale: Locale, back: &str) -> String {
        format!(
            "/locale?set={}&back={}",
            locale.tag(),
            super::percent_encode(back)
        )
    }

    /// Where to send the person after the switch: `back` when it is a path
    /// on this site, else the search page. Scheme-relative (`//host`) and
    /// backslash paths are refused, so the switch cannot redirect elsewhere.
    pub fn return_path(&self) -> &str {
        match self.back.as_deref() {
            Some(back)
                if back.len() <= MAX_BACK_LEN
                    && back.starts_with('/')
                    && !back.starts_with("//")
                    && !back.contains('\\')
                    && !back.chars().any(char::is_control) =>
            {
                back
            }
            _ => "/",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_language_the_ui_has() {
        let pick = Locale::from_accept_language;
        assert_eq!(
            pick("fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7"),
            Some(Locale::Fr)
        );
        assert_eq!(pick("en-US,en;q=0.9,fr;q=0.8"), Some(Locale::En));
        assert_eq!(pick("de-DE, fr;q=0.5, en;q=0.4"), Some(Locale::Fr));
        assert_eq!(pick("en;q=0.2, FR-ca;q=0.9"), Some(Locale::Fr));
        assert_eq!(pick("fr;q=0, en;q=0.1"), Some(Locale::En));
        assert_eq!(pick("de, ja"), None);
        assert_eq!(pick("fr;q=abc, en;q=0.5"), Some(Locale::En));
        assert_eq!(pick(""), None);
        assert_eq!(pick(&"x,".repeat(5000)), None);
    }

    #[test]
    fn the_cookie_wins_over_the_browser() {
        assert_eq!(
            Locale::negotiate(Some("a=1; lang=fr; b=2"), Some("en")),
            Locale::Fr
        );
        assert_eq!(Locale::negotiate(Some("lang=xx"), Some("fr")), Locale::Fr);
        assert_eq!(Locale::negotiate(None, None), Locale::En);
        assert_eq!(Locale::negotiate(Some("language=fr"), None), Locale::En);
    }

    #[test]
    fn the_switch_returns_only_to_this_site() {
        let back = |b: &str| LocaleChoice {
            set: Locale::Fr,
            back: Some(b.to_string()),
        };
        assert_eq!(back("/keys?match=db:*").return_path(), "/keys?match=db:*");
        assert_eq!(back("//evil.example/").return_path(), "/");
        assert_eq!(back("https://evil.example/").return_path(), "/");
        assert_eq!(back("/\\evil.example").return_path(), "/");
        assert_eq!(back("/a\r\nSet-Cookie: x").return_path(), "/");
        assert_eq!(
            LocaleChoice::href(Locale::Fr, "/keys?match=db:*"),
            "/locale?set=fr&back=%2Fkeys%3Fmatch%3Ddb%3A%2A"
        );
    }
}
