//! Money as whole cents. Prices cross the wire as the seed's decimal
//! numbers of dollars (`899.99`), and are held as an integer of cents from
//! the moment they are read: no float rounding decides which products a
//! price range holds, or what PostgreSQL's `numeric(12,2)` stores.

use super::Invalid;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Within this many cents of a whole cent, a decimal number is that cent:
/// `899.99` is 89998.99999… cents in binary.
const TOLERANCE: f64 = 1e-6;

/// A price or price bound in cents, from 0 to [`Cents::MAX`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Cents(u64);

/// How a bound that falls between two cents is made whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// Up (a lower bound: `min_price=0.001` means from one cent).
    Up,
    /// Down (an upper bound).
    Down,
}

impl Cents {
    /// The highest accepted price: $1,000,000,000.00.
    pub const MAX: Cents = Cents(100_000_000_000);

    /// `cents` cents, or `None` past [`Cents::MAX`].
    pub fn new(cents: u64) -> Option<Self> {
        (cents <= Cents::MAX.0).then_some(Cents(cents))
    }

    /// The number of cents.
    pub fn get(self) -> u64 {
        self.0
    }

    /// A price in dollars that must be a whole number of cents (`12.345` is
    /// refused: a price is stored exactly). `field` names it in the error.
    pub fn from_dollars(dollars: f64, field: &'static str) -> Result<Self, Invalid> {
        let scaled = in_range(dollars, field)? * 100.0;
        let nearest = scaled.round();
        if (scaled - nearest).abs() >= TOLERANCE {
            return Err(Invalid::PriceCents { field });
        }
        Ok(Cents(nearest as u64))
    }

    /// A bound in dollars made whole: a value within the tolerance of a cent
    /// is that cent, anything else is rounded as `round` says (inwards for a
    /// range, so `0.000001` and `0.01` are one search and one cache entry).
    pub fn bound(dollars: f64, round: Round, field: &'static str) -> Result<Self, Invalid> {
        let scaled = in_range(dollars, field)? * 100.0;
        let nearest = scaled.round();
        let whole = if (scaled - nearest).abs() < TOLERANCE {
            nearest
        } else {
            match round {
                Round::Up => scaled.ceil(),
                Round::Down => scaled.floor(),
            }
        };
        Ok(Cents(whole as u64))
    }

    /// Dollars as a float, for what speaks in floats: a JSON number, a
    /// sorted-set score. Exact to the cent when printed (shortest form).
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Whole dollars and the cents past them.
    pub fn split(self) -> (u64, u64) {
        (self.0 / 100, self.0 % 100)
    }
}

fn in_range(dollars: f64, field: &'static str) -> Result<f64, Invalid> {
    if dollars.is_finite() && (0.0..=Cents::MAX.dollars()).contains(&dollars) {
        Ok(dollars)
    } else {
        Err(Invalid::PriceRange { field })
    }
}

/// Dollars in their shortest decimal form: `899.99`, `899.9`, `100` (what a
/// query string and a sorted-set score carry).
impl fmt::Display for Cents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, cents) = self.split();
        match cents {
            0 => write!(f, "{whole}"),
            c if c % 10 == 0 => write!(f, "{whole}.{}", c / 10),
            c => write!(f, "{whole}.{c:02}"),
        }
    }
}

impl Serialize for Cents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.dollars())
    }
}

impl<'de> Deserialize<'de> for Cents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let dollars = f64::deserialize(deserializer)?;
        Cents::from_dollars(dollars, "the price").map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollars_become_exact_cents_and_print_back() {
        let price = Cents::from_dollars(899.99, "p").unwrap();
        assert_eq!(price.get(), 89_999);
        assert_eq!(price.to_string(), "899.99");
        assert_eq!(serde_json::to_string(&price).unwrap(), "899.99");
        assert_eq!(Cents::from_dollars(0.1 + 0.2, "p").unwrap().get(), 30);
        assert_eq!(Cents::from_dollars(12.5, "p").unwrap().to_string(), "12.5");
        assert_eq!(Cents::from_dollars(100.0, "p").unwrap().to_string(), "100");
        let parsed: Cents = serde_json::from_str("2499").unwrap();
        assert_eq!(parsed.get(), 249_900);
        assert_eq!(
            Cents::from_dollars(1e9, "p").unwrap(),
            Cents::MAX,
            "the highest price is accepted"
        );
    }

    #[test]
    fn sub_cent_prices_and_out_of_range_values_are_refused() {
        assert_eq!(
            Cents::from_dollars(12.345, "the price"),
            Err(Invalid::PriceCents { field: "the price" })
        );
        for bad in [-0.01, f64::NAN, f64::INFINITY, 1e9 + 0.01] {
            assert_eq!(
                Cents::from_dollars(bad, "the price"),
                Err(Invalid::PriceRange { field: "the price" })
            );
        }
        assert!(serde_json::from_str::<Cents>("1.005").is_err());
        assert!(serde_json::from_str::<Cents>("\"1\"").is_err());
    }

    #[test]
    fn bounds_round_inwards_except_within_the_tolerance() {
        assert_eq!(Cents::bound(0.000001, Round::Up, "m").unwrap().get(), 1);
        assert_eq!(Cents::bound(0.019, Round::Down, "m").unwrap().get(), 1);
        assert_eq!(Cents::bound(899.99, Round::Up, "m").unwrap().get(), 89_999);
        assert_eq!(
            Cents::bound(899.99, Round::Down, "m").unwrap().get(),
            89_999
        );
        assert!(Cents::bound(-1.0, Round::Up, "m").is_err());
    }
}
