//! Sentinel's Pub/Sub events, parsed once into what they mean for the master
//! this server follows. Pure: no connection, no state, unit-tested on lines
//! as Sentinel writes them.

use crate::topology::Addr;

/// The channels this server subscribes to.
pub const CHANNELS: [&str; 19] = [
    "+switch-master",
    "+sdown",
    "-sdown",
    "+odown",
    "-odown",
    "+try-failover",
    "+elected-leader",
    "+failover-state-select-slave",
    "+selected-slave",
    "+failover-state-send-slaveof-noone",
    "+failover-state-wait-promotion",
    "+promoted-slave",
    "+failover-state-reconf-slaves",
    "+failover-end",
    "+failover-end-for-timeout",
    "-failover-abort-no-good-slave",
    "-failover-abort-not-elected",
    "+convert-to-slave",
    "+slave",
];

/// What one event says about the followed master.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SentinelEvent {
    /// `+switch-master`: the master moved from one `host:port` to another.
    Switched {
        /// The old master.
        from: Addr,
        /// The new one.
        to: Addr,
    },
    /// `+sdown` of the master: one Sentinel cannot reach it.
    MasterUnreachable,
    /// `-sdown` of the master: that Sentinel reaches it again.
    MasterReachable,
    /// A step of a failover of this master (`+odown`, `+try-failover`,
    /// `+elected-leader`, `+selected-slave`, `+promoted-slave`, the
    /// `+failover-state-*` steps): the master may be replaced, so writes
    /// stop until a resolution confirms the master.
    FailoverStep {
        /// `+odown`: the master is objectively down (resolve at once).
        objectively_down: bool,
    },
    /// The end of a failover or of its attempt (`-odown`, `+failover-end*`,
    /// `-failover-abort-*`): to be confirmed by a resolution, never by the
    /// event alone.
    FailoverOver,
    /// A replica appeared, vanished, or an old master became a replica
    /// (`+slave`, `+convert-to-slave`, `+sdown`/`-sdown` of a replica).
    ReplicasChanged,
    /// About another master, or a channel we do not act on.
    Unrelated,
}

impl SentinelEvent {
    /// What `channel` with `payload` means for the master `master_name`.
    pub fn parse(channel: &str, payload: &str, master_name: &str) -> Self {
        let parts: Vec<&str> = payload.split_whitespace().collect();
        // `master <name> <ip> <port> ...` for events about a master.
        let about_master = parts.first() == Some(&"master") && parts.get(1) == Some(&master_name);
        // `<type> <name> <ip> <port> @ <master-name> <master-ip> <master-port>`
        // for events about a replica of a master.
        let of_master = about_master
            || parts
                .iter()
                .position(|p| *p == "@")
                .is_some_and(|at| parts.get(at + 1) == Some(&master_name));
        match channel {
            "+switch-master" if parts.first() == Some(&master_name) && parts.len() >= 5 => {
                match (
                    Addr::from_words(parts[1], parts[2]),
                    Addr::from_words(parts[3], parts[4]),
                ) {
                    (Some(from), Some(to)) => SentinelEvent::Switched { from, to },
                    _ => SentinelEvent::Unrelated,
                }
            }
            "+sdown" if about_master => SentinelEvent::MasterUnreachable,
            "-sdown" if about_master => SentinelEvent::MasterReachable,
            "+odown"
            | "+try-failover"
            | "+elected-leader"
            | "+failover-state-select-slave"
            | "+selected-slave"
            | "+failover-state-send-slaveof-noone"
            | "+failover-state-wait-promotion"
            | "+promoted-slave"
            | "+failover-state-reconf-slaves"
                if of_master =>
            {
                SentinelEvent::FailoverStep {
                    objectively_down: channel == "+odown",
                }
            }
            "-odown"
            | "+failover-end"
            | "+failover-end-for-timeout"
            | "-failover-abort-no-good-slave"
            | "-failover-abort-not-elected"
                if about_master =>
            {
                SentinelEvent::FailoverOver
            }
            "+slave" | "+convert-to-slave" | "+sdown" | "-sdown" => SentinelEvent::ReplicasChanged,
            _ => SentinelEvent::Unrelated,
        }
    }

    /// Whether the topology should be resolved at once.
    pub fn resolve_now(&self) -> bool {
        match self {
            SentinelEvent::FailoverStep { objectively_down } => *objectively_down,
            SentinelEvent::Unrelated => false,
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SentinelEvent::{self, *};
    use crate::topology::Addr;

    fn parse(channel: &str, payload: &str) -> SentinelEvent {
        SentinelEvent::parse(channel, payload, "cachescope")
    }

    /// Lines as a Redis 7 Sentinel publishes them during a failover.
    #[test]
    fn recorded_failover_lines_mean_what_they_say() {
        assert_eq!(
            parse("+sdown", "master cachescope 127.0.0.1 6379"),
            MasterUnreachable
        );
        assert_eq!(
            parse("+odown", "master cachescope 127.0.0.1 6379 #quorum 2/2"),
            FailoverStep {
                objectively_down: true
            }
        );
        for (channel, payload) in [
            ("+try-failover", "master cachescope 127.0.0.1 6379"),
            ("+elected-leader", "master cachescope 127.0.0.1 6379"),
            (
                "+failover-state-select-slave",
                "master cachescope 127.0.0.1 6379",
            ),
            (
                "+selected-slave",
                "slave 127.0.0.1:6380 127.0.0.1 6380 @ cachescope 127.0.0.1 6379",
            ),
            (
                "+failover-state-send-slaveof-noone",
                "slave 127.0.0.1:6380 127.0.0.1 6380 @ cachescope 127.0.0.1 6379",
            ),
            (
                "+failover-state-wait-promotion",
                "slave 127.0.0.1:6380 127.0.0.1 6380 @ cachescope 127.0.0.1 6379",
            ),
            (
                "+promoted-slave",
                "slave 127.0.0.1:6380 127.0.0.1 6380 @ cachescope 127.0.0.1 6379",
            ),
            (
                "+failover-state-reconf-slaves",
                "master cachescope 127.0.0.1 6379",
            ),
        ] {
            let event = parse(channel, payload);
            assert_eq!(
                event,
                FailoverStep {
                    objectively_down: false
                },
                "{channel}"
            );
            assert!(!event.resolve_now(), "{channel}");
        }
        assert_eq!(
            parse("+failover-end", "master cachescope 127.0.0.1 6379"),
            FailoverOver
        );
        assert_eq!(
            parse("+switch-master", "cachescope 127.0.0.1 6379 127.0.0.1 6380"),
            Switched {
                from: Addr::new("127.0.0.1", 6379),
                to: Addr::new("127.0.0.1", 6380)
            }
        );
        assert_eq!(
            parse(
                "+slave",
                "slave 127.0.0.1:6381 127.0.0.1 6381 @ cachescope 127.0.0.1 6380"
            ),
            ReplicasChanged
        );
        assert_eq!(
            parse(
                "+convert-to-slave",
                "slave 127.0.0.1:6379 127.0.0.1 6379 @ cachescope 127.0.0.1 6380"
            ),
            ReplicasChanged
        );
        assert_eq!(
            parse("-sdown", "master cachescope 127.0.0.1 6379"),
            MasterReachable
        );
    }

    #[test]
    fn other_masters_and_channels_are_unrelated() {
        assert_eq!(
            parse("+switch-master", "other 10.0.0.1 1 10.0.0.2 2"),
            Unrelated
        );
        assert_eq!(
            parse("+odown", "master other 10.0.0.1 1 #quorum 2/2"),
            Unrelated
        );
        assert_eq!(parse("+failover-end", "master other 10.0.0.1 1"), Unrelated);
        assert_eq!(parse("+new-epoch", "7"), Unrelated);
        assert!(!Unrelated.resolve_now());
        // A replica of another master going down is still a replica change.
        assert_eq!(
            parse("+sdown", "slave 10.0.0.3:1 10.0.0.3 1 @ other 10.0.0.1 1"),
            ReplicasChanged
        );
    }
}
