//! PostgreSQL failures, in words a person can act on and never with the
//! connection URL (it may hold a password).

/// Why a PostgreSQL call failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PgError {
    /// `DATABASE_URL` does not parse.
    #[error("DATABASE_URL is not a valid PostgreSQL URL: {reason}")]
    BadUrl {
        /// The parser's complaint, with the URL taken out.
        reason: String,
    },
    /// No answer within the bound (statement timeout, or a server that hangs).
    #[error("PostgreSQL did not answer within {ms} ms")]
    Timeout {
        /// The bound.
        ms: u64,
    },
    /// PostgreSQL cancelled the statement at its `statement_timeout`.
    #[error("PostgreSQL stopped the statement at its statement_timeout")]
    StatementTimeout,
    /// PostgreSQL cannot be reached, is shutting down, or is not ready.
    #[error("PostgreSQL is unavailable: {reason}")]
    Unavailable {
        /// The driver's or the server's sentence.
        reason: String,
    },
    /// The connection broke under a statement (it may have been run).
    #[error("PostgreSQL is unavailable: {reason}")]
    ConnectionLost {
        /// The driver's sentence.
        reason: String,
    },
    /// The schema could not be brought up to date.
    #[error("PostgreSQL migrations failed: {reason}")]
    Migrate {
        /// The migrator's sentence.
        reason: String,
    },
    /// A write failed before its write statement was sent (reading the
    /// row's revision): nothing was applied.
    #[error("{0} (before the write was sent: nothing was applied)")]
    BeforeWrite(Box<PgError>),
    /// Other writers kept changing the row between this write's reads and
    /// its conditional writes: nothing was applied.
    #[error("the product changed under this write {tries} times; nothing was applied, try again")]
    Contended {
        /// Conditional writes tried.
        tries: usize,
    },
    /// PostgreSQL refused a statement (a bug, or a constraint).
    #[error("PostgreSQL refused the statement: {reason}")]
    Query {
        /// The server's sentence.
        reason: String,
    },
}

impl From<sqlx::Error> for PgError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(db) => match db.code().as_deref() {
                // query_canceled: the statement_timeout fired.
                Some("57014") => PgError::StatementTimeout,
                // Connection exceptions (08…), shutting down or starting up
                // (57P…), too many connections (53300), the schema not
                // created yet (42P01: the start-up migration has not run).
                Some(code)
                    if code.starts_with("08")
                        || code.starts_with("57P")
                        || code == "53300"
                        || code == "42P01" =>
                {
                    PgError::Unavailable {
                        reason: db.message().to_string(),
                    }
                }
                _ => PgError::Query {
                    reason: db.message().to_string(),
                },
            },
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => PgError::ConnectionLost {
                reason: error.to_string(),
            },
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => PgError::Unavailable {
                reason: error.to_string(),
            },
            _ => PgError::Query {
                reason: error.to_string(),
            },
        }
    }
}

impl PgError {
    /// Whether PostgreSQL could not answer (as opposed to refusing).
    pub fn is_unavailable(&self) -> bool {
        match self {
            PgError::BeforeWrite(inner) => inner.is_unavailable(),
            PgError::Timeout { .. }
            | PgError::StatementTimeout
            | PgError::Unavailable { .. }
            | PgError::ConnectionLost { .. }
            | PgError::Contended { .. } => true,
            _ => false,
        }
    }

    /// Whether a write may have been applied although it failed: no answer
    /// within the client's bound, or the connection broke under it. (At
    /// its `statement_timeout` PostgreSQL rolls the statement back: that is
    /// a refusal.)
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            PgError::Timeout { .. } | PgError::ConnectionLost { .. }
        )
    }
}

/// A sentence with every occurrence of `url` replaced.
pub(crate) fn without_url(sentence: &str, url: &str) -> String {
    if url.is_empty() {
        sentence.to_string()
    } else {
        sentence.replace(url, "<DATABASE_URL>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_never_reach_a_message() {
        let url = "postgres://app:s3cret@db:5432/x";
        let sentence = format!("bad url {url} here");
        assert!(!without_url(&sentence, url).contains("s3cret"));
        let pool = PgError::from(sqlx::Error::PoolTimedOut);
        assert!(pool.is_unavailable());
        assert!(!pool.outcome_unknown(), "never sent");
        assert!(PgError::Timeout { ms: 1 }.outcome_unknown());
        assert!(!PgError::StatementTimeout.outcome_unknown(), "rolled back");
        assert!(pool.to_string().starts_with("PostgreSQL is unavailable"));
        let before = PgError::BeforeWrite(Box::new(PgError::Timeout { ms: 1 }));
        assert!(before.is_unavailable() && !before.outcome_unknown());
        let contended = PgError::Contended { tries: 5 };
        assert!(contended.is_unavailable() && !contended.outcome_unknown());
    }
}
