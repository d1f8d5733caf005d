//! Numbers for people: durations, prices, sizes and clock times, in one
//! place so every page writes them alike.

/// Microseconds: `850 µs`, `1.2 ms`, `2.00 s`.
pub fn format_us(us: u64) -> String {
    match us {
        0..=999 => format!("{us} µs"),
        1_000..=999_999 => format!("{:.1} ms", us as f64 / 1000.0),
        _ => format!("{:.2} s", us as f64 / 1_000_000.0),
    }
}

/// Milliseconds: `850 ms`, `2.3 s`.
pub fn format_ms(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// `899.99` → `$899.99`, with thousands separators.
pub fn format_price(price: f64) -> String {
    let cents = (price * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("${grouped}.{:02}", cents % 100)
}

/// `954640` → `932.3 KiB`.
pub fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Milliseconds since the epoch → `HH:MM:SS` (UTC, so server-rendered and
/// hydrated pages agree).
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

    #[test]
    fn numbers_read_naturally() {
        assert_eq!(format_us(850), "850 µs");
        assert_eq!(format_us(1_234), "1.2 ms");
        assert_eq!(format_us(2_000_000), "2.00 s");
        assert_eq!(format_ms(850), "850 ms");
        assert_eq!(format_ms(2_293), "2.3 s");
        assert_eq!(format_price(899.99), "$899.99");
        assert_eq!(format_price(2499.0), "$2,499.00");
        assert_eq!(format_price(0.5), "$0.50");
        assert_eq!(format_price(1234567.891), "$1,234,567.89");
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(954_640), "932.3 KiB");
        assert_eq!(format_bytes(3 * 1024 * 1024 * 1024), "3.0 GiB");
        assert_eq!(clock(1_795_805_389_119), "18:49:49");
    }
}
