//! The private network of a chaos run: one Linux bridge in the root
//! namespace and one network namespace per host (each Redis node, Sentinel,
//! PostgreSQL and cachescope server), joined to the bridge by a veth pair,
//! each with an address of its own in a private /24. Partitions are
//! `iptables` DROP rules inside a host's namespace.
//!
//! Everything made here is removed by [`Net::teardown`], which [`Drop`]
//! calls too, so a run that fails or panics leaves nothing behind; a run
//! killed outright leaves names with its tag, which the next run removes
//! ([`Net::sweep_stale`]).

use std::{net::Ipv4Addr, process::Command};

/// Why the network could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// A command (`ip`, `iptables`) failed.
    #[error("`{command}` failed: {stderr}")]
    Command {
        /// The command line.
        command: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// A command could not be started at all.
    #[error("cannot run `{command}`: {source}")]
    Spawn {
        /// The command line.
        command: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Runs a command and fails with its stderr when it fails.
pub fn run(program: &str, args: &[&str]) -> Result<(), NetError> {
    let command = format!("{program} {}", args.join(" "));
    let output = Command::new(program)
        .args(args)
        .output()
        .map_err(|source| NetError::Spawn {
            command: command.clone(),
            source,
        })?;
    if output.status.success() {
        Ok(())
    } else {
        Err(NetError::Command {
            command,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

/// A run's namespace names start with this, then the tag.
const PREFIX: &str = "csx";

/// One host: a namespace with one address on the bridge.
#[derive(Debug, Clone)]
pub struct Host {
    /// What it is, e.g. `redis-1`.
    pub name: String,
    /// Its network namespace.
    pub ns: String,
    /// Its address on the bridge.
    pub ip: Ipv4Addr,
}

impl Host {
    /// Runs `program args` inside this host's namespace.
    pub fn exec(&self, program: &str, args: &[&str]) -> Result<(), NetError> {
        let mut full = vec!["netns", "exec", self.ns.as_str(), program];
        full.extend_from_slice(args);
        run("ip", &full)
    }
}

/// The bridge and the hosts on it.
pub struct Net {
    tag: u32,
    bridge: String,
    subnet: [u8; 3],
    hosts: Vec<Host>,
    forward_rules: bool,
    torn_down: bool,
}

impl Net {
    /// Makes the bridge, with `10.<a>.<b>.1/24` for the harness itself (the
    /// workload and the checks reach every host from the root namespace).
    pub fn new(subnet: [u8; 3]) -> Result<Self, NetError> {
        let tag = std::process::id() % 10_000;
        let bridge = format!("{PREFIX}{tag}br");
        let mut net = Net {
            tag,
            bridge,
            subnet,
            hosts: Vec::new(),
            forward_rules: false,
            torn_down: false,
        };
        let gateway = net.address(1).to_string();
        run("ip", &["link", "add", &net.bridge, "type", "bridge"])?;
        run(
            "ip",
            &["addr", "add", &format!("{gateway}/24"), "dev", &net.bridge],
        )?;
        run("ip", &["link", "set", &net.bridge, "up"])?;
        // Bridged frames may cross the root namespace's FORWARD chain
        // (br_netfilter), whose policy may be DROP: accept ours, and only ours.
        run(
            "iptables",
            &["-I", "FORWARD", "-i", &net.bridge, "-j", "ACCEPT"],
        )?;
        run(
            "iptables",
            &["-I", "FORWARD", "-o", &net.bridge, "-j", "ACCEPT"],
        )?;
        net.forward_rules = true;
        Ok(net)
    }

    /// `10.a.b.n`.
    fn address(&self, n: u8) -> Ipv4Addr {
        Ipv4Addr::new(self.subnet[0], self.subnet[1], self.subnet[2], n)
    }

    /// Adds a host: a namespace, a veth pair, an address, loopback up.
    pub fn add_host(&mut self, name: &str) -> Result<Host, NetError> {
        let index = self.hosts.len() as u8 + 10;
        let ns = format!("{PREFIX}{}-{name}", self.tag);
        let outer = format!("{PREFIX}{}v{index}", self.tag);
        let inner = format!("{PREFIX}{}i{index}", self.tag);
        let ip = self.address(index);
        run("ip", &["netns", "add", &ns])?;
        let host = Host {
            name: name.to_string(),
            ns: ns.clone(),
            ip,
        };
        // Recorded before the rest, so a failure below is still torn down.
        self.hosts.push(host.clone());
        run(
            "ip",
            &[
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ],
        )?;
        run("ip", &["link", "set", &inner, "netns", &ns])?;
        host.exec("ip", &["link", "set", &inner, "name", "eth0"])?;
        host.exec("ip", &["addr", "add", &format!("{ip}/24"), "dev", "eth0"])?;
        host.exec("ip", &["link", "set", "eth0", "up"])?;
        host.exec("ip", &["link", "set", "lo", "up"])?;
        run("ip", &["link", "set", &outer, "master", &self.bridge])?;
        run("ip", &["link", "set", &outer, "up"])?;
        Ok(host)
    }

    /// Drops every packet between `host` and each of `peers`, both ways,
    /// inside `host`'s namespace (the peers keep talking to everyone else).
    pub fn cut(&self, host: &Host, peers: &[Ipv4Addr]) -> Result<(), NetError> {
        for peer in peers {
            let peer = peer.to_string();
            host.exec("iptables", &["-A", "INPUT", "-s", &peer, "-j", "DROP"])?;
            host.exec("iptables", &["-A", "OUTPUT", "-d", &peer, "-j", "DROP"])?;
        }
        Ok(())
    }

    /// Removes every cut made in `host`'s namespace.
    pub fn heal(&self, host: &Host) -> Result<(), NetError> {
        host.exec("iptables", &["-F", "INPUT"])?;
        host.exec("iptables", &["-F", "OUTPUT"])
    }

    /// Removes every cut of every host.
    pub fn heal_all(&self) {
        for host in &self.hosts {
            if let Err(error) = self.heal(host) {
                eprintln!("chaos: {error}");
            }
        }
    }

    /// Deletes the namespaces, the bridge and the FORWARD rules. Processes
    /// in the namespaces must be stopped first (a namespace outlives its
    /// deletion while a process holds it).
    pub fn teardown(&mut self) {
        if self.torn_down {
            return;
        }
        self.torn_down = true;
        for host in self.hosts.drain(..) {
            let _ = run("ip", &["netns", "del", &host.ns]);
        }
        let _ = run("ip", &["link", "del", &self.bridge]);
        if self.forward_rules {
            let _ = run(
                "iptables",
                &["-D", "FORWARD", "-i", &self.bridge, "-j", "ACCEPT"],
            );
            let _ = run(
                "iptables",
                &["-D", "FORWARD", "-o", &self.bridge, "-j", "ACCEPT"],
            );
        }
    }

    /// Removes what earlier runs that were killed outright left behind
    /// (their tag's process is gone): namespaces, bridges, FORWARD rules.
    pub fn sweep_stale() {
        let alive = |tag: &str| {
            tag.parse::<u32>().is_ok_and(|tag| {
                tag == std::process::id() % 10_000
                    || std::path::Path::new(&format!("/proc/{tag}")).exists()
            })
        };
        let list = |args: &[&str]| {
            Command::new("ip")
                .args(args)
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).to_string())
                .unwrap_or_default()
        };
        for line in list(&["netns", "list"]).lines() {
            let name = line.split_whitespace().next().unwrap_or("");
            if let Some(rest) = name.strip_prefix(PREFIX) {
                let tag = rest.split('-').next().unwrap_or("");
                if !alive(tag) {
                    let _ = run("ip", &["netns", "del", name]);
                }
            }
        }
        for line in list(&["-o", "link", "show", "type", "bridge"]).lines() {
            let name = line.split(": ").nth(1).unwrap_or("");
            let name = name.split('@').next().unwrap_or("");
            if let Some(tag) = name.strip_prefix(PREFIX).and_then(|r| r.strip_suffix("br")) {
                if !alive(tag) {
                    let _ = run("ip", &["link", "del", name]);
                    let _ = run("iptables", &["-D", "FORWARD", "-i", name, "-j", "ACCEPT"]);
                    let _ = run("iptables", &["-D", "FORWARD", "-o", name, "-j", "ACCEPT"]);
                }
            }
        }
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        self.teardown();
    }
}
