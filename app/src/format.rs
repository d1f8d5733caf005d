//! Numbers for people, in the page's language: durations, prices, sizes,
//! counts, percentages and clock times, in one place so every page writes
//! them alike. English writes `1,234.5 ms` and `$2,499.00`; French writes
//! `1 234,5 ms` and `2 499,00 $` (a narrow no-break space between thousands,
//! a decimal comma, the unit after a no-break space).

use crate::types::{Cents, Locale};

/// French thousands separator: U+202F NARROW NO-BREAK SPACE.
const FR_GROUP: char = '\u{202F}';
/// Before a unit or a symbol in French: U+00A0 NO-BREAK SPACE.
const FR_SPACE: char = '\u{A0}';

/// `value` with `decimals` digits after the separator, thousands grouped.
pub fn format_decimal(value: f64, decimals: usize, locale: Locale) -> String {
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let (group, point) = match locale {
        Locale::En => (',', '.'),
        Locale::Fr => (FR_GROUP, ','),
    };
    let mut out = String::with_capacity(text.len() + 4);
    if value < 0.0 && value.abs() >= 0.5 * 10f64.powi(-(decimals as i32)) {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(digit);
    }
    if !frac.is_empty() {
        out.push(point);
        out.push_str(frac);
    }
    out
}

/// A count: `12,345` / `12 345`.
pub fn format_count(n: u64, locale: Locale) -> String {
    format_decimal(n as f64, 0, locale)
}

/// A value and its unit, with the space the language puts between them.
pub fn with_unit(number: String, unit: &str, locale: Locale) -> String {
    match locale {
        Locale::En => format!("{number} {unit}"),
        Locale::Fr => format!("{number}{FR_SPACE}{unit}"),
    }
}

/// Microseconds: `850 µs`, `1.2 ms`, `2.00 s`.
pub fn format_us(us: u64, locale: Locale) -> String {
    match us {
        0..=999 => with_unit(us.to_string(), "µs", locale),
        1_000..=999_999 => with_unit(format_decimal(us as f64 / 1e3, 1, locale), "ms", locale),
        _ => with_unit(format_decimal(us as f64 / 1e6, 2, locale), "s", locale),
    }
}

/// Milliseconds: `850 ms`, `2.3 s`.
pub fn format_ms(ms: u64, locale: Locale) -> String {
    if ms < 1_000 {
        with_unit(ms.to_string(), "ms", locale)
    } else {
        with_unit(format_decimal(ms as f64 / 1e3, 1, locale), "s", locale)
    }
}

/// Seconds with one decimal: `1.5 s` / `1,5 s`.
pub fn format_seconds(seconds: f64, locale: Locale) -> String {
    with_unit(format_decimal(seconds, 1, locale), "s", locale)
}

/// A price in dollars (the catalogue's currency, whatever the language):
/// `$2,499.00` / `2 499,00 $`. Written from the integer cents, never
/// through a float.
pub fn format_price(price: Cents, locale: Locale) -> String {
    let (whole, cents) = price.split();
    let point = match locale {
        Locale::En => '.',
        Locale::Fr => ',',
    };
    dollars(
        format!("{}{point}{cents:02}", format_count(whole, locale)),
        locale,
    )
}

/// A price without its cents when it has none (`$1,000`, `$9.50`), for
/// the short labels of searches.
pub fn format_price_compact(price: Cents, locale: Locale) -> String {
    match price.split() {
        (whole, 0) => dollars(format_count(whole, locale), locale),
        _ => format_price(price, locale),
    }
}

/// An amount with the dollar sign where the language puts it.
fn dollars(amount: String, locale: Locale) -> String {
    match locale {
        Locale::En => format!("${amount}"),
        Locale::Fr => format!("{amount}{FR_SPACE}$"),
    }
}

/// A share of 1 as a percentage: `97.3%` / `97,3 %`.
pub fn format_percent(ratio: f64, decimals: usize, locale: Locale) -> String {
    let number = format_decimal(ratio * 100.0, decimals, locale);
    match locale {
        Locale::En => format!("{number}%"),
        Locale::Fr => format!("{number}{FR_GROUP}%"),
    }
}

/// Bytes in binary units: `932.3 KiB` / `932,3 Kio`.
pub fn format_bytes(bytes: u64, locale: Locale) -> String {
    const EN: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    const FR: [&str; 4] = ["o", "Kio", "Mio", "Gio"];
    let units = match locale {
        Locale::En => EN,
        Locale::Fr => FR,
    };
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < units.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        with_unit(format_count(bytes, locale), units[0], locale)
    } else {
        with_unit(format_decimal(value, 1, locale), units[unit], locale)
    }
}

/// Milliseconds since the epoch → `HH:MM:SS` (UTC, so server-rendered and
/// hydrated pages agree; both languages write it alike).
pub fn clock(at_ms: u64) -> String {
    let secs = at_ms / 1000;
    format!(
        "{:02}:{:02}:{:02}",
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(n: u64) -> Cents {
        Cents::new(n).unwrap()
    }
    use Locale::{En, Fr};

    #[test]
    fn english_numbers_read_naturally() {
        assert_eq!(format_us(850, En), "850 µs");
        assert_eq!(format_us(1_234, En), "1.2 ms");
        assert_eq!(format_us(2_000_000, En), "2.00 s");
        assert_eq!(format_ms(850, En), "850 ms");
        assert_eq!(format_ms(2_293, En), "2.3 s");
        assert_eq!(format_price(cents(89_999), En), "$899.99");
        assert_eq!(format_price(cents(249_900), En), "$2,499.00");
        assert_eq!(format_price(cents(50), En), "$0.50");
        assert_eq!(format_price(cents(123_456_789), En), "$1,234,567.89");
        assert_eq!(format_bytes(512, En), "512 B");
        assert_eq!(format_bytes(954_640, En), "932.3 KiB");
        assert_eq!(format_bytes(3 * 1024 * 1024 * 1024, En), "3.0 GiB");
        assert_eq!(format_count(1_234_567, En), "1,234,567");
        assert_eq!(format_price_compact(cents(100_000), En), "$1,000");
        assert_eq!(format_price_compact(cents(950), En), "$9.50");
        assert_eq!(format_percent(0.973, 1, En), "97.3%");
        assert_eq!(format_seconds(1.5, En), "1.5 s");
        assert_eq!(format_decimal(-1234.5, 1, En), "-1,234.5");
        assert_eq!(format_decimal(-0.001, 1, En), "0.0");
        assert_eq!(clock(1_795_805_389_119), "18:49:49");
    }

    #[test]
    fn french_numbers_use_a_comma_and_narrow_spaces() {
        assert_eq!(format_us(1_234, Fr), "1,2\u{A0}ms");
        assert_eq!(format_us(850, Fr), "850\u{A0}µs");
        assert_eq!(format_ms(2_293, Fr), "2,3\u{A0}s");
        assert_eq!(format_price(cents(249_900), Fr), "2\u{202F}499,00\u{A0}$");
        assert_eq!(format_price(cents(89_999), Fr), "899,99\u{A0}$");
        assert_eq!(format_bytes(954_640, Fr), "932,3\u{A0}Kio");
        assert_eq!(format_bytes(512, Fr), "512\u{A0}o");
        assert_eq!(format_count(1_234_567, Fr), "1\u{202F}234\u{202F}567");
        assert_eq!(
            format_price_compact(cents(100_000), Fr),
            "1\u{202F}000\u{A0}$"
        );
        assert_eq!(format_percent(0.973, 1, Fr), "97,3\u{202F}%");
    }
}
