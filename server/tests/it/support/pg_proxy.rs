//! A network fault between a server and PostgreSQL: a TCP relay that passes
//! PostgreSQL's wire protocol through, and on request holds one statement in
//! flight (as a congested or partitioned link would) until it is let go.
//! Pings pass; the statement that is held, and everything sent after it on
//! that session, reach PostgreSQL only when released, long after the server
//! gave up on them. This is the only way to put a statement on a frozen
//! wire deterministically: freezing PostgreSQL itself also freezes the
//! pool's pings (the write is then never sent), and a statement that has
//! begun runs under PostgreSQL's own `statement_timeout`.

use std::sync::{Arc, Mutex};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{tcp::OwnedReadHalf, tcp::OwnedWriteHalf, TcpListener, TcpStream},
    sync::watch,
};

/// Which statement to hold: the `skip + 1`-th `Bind` or `Query` message
/// (after [`PgProxy::hold`]) whose bytes contain `marker`.
#[derive(Default)]
struct Plan {
    marker: Vec<u8>,
    skip: usize,
    armed: bool,
}

/// The relay, listening on `port`.
pub struct PgProxy {
    pub port: u16,
    plan: Arc<Mutex<Plan>>,
    released: watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl PgProxy {
    /// Relays 127.0.0.1:`port` to PostgreSQL on `upstream`.
    pub async fn start(upstream: u16) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let plan = Arc::new(Mutex::new(Plan::default()));
        let (released, _) = watch::channel(0u64);
        let task = {
            let plan = plan.clone();
            let released = released.clone();
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                        continue;
                    };
                    let (client_read, client_write) = client.into_split();
                    let (server_read, server_write) = server.into_split();
                    tokio::spawn(copy(server_read, client_write));
                    tokio::spawn(relay(
                        client_read,
                        server_write,
                        plan.clone(),
                        released.subscribe(),
                    ));
                }
            })
        };
        PgProxy {
            port,
            plan,
            released,
            task,
        }
    }

    /// A `DATABASE_URL` through the relay.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/cachescope", self.port)
    }

    /// Holds the `skip + 1`-th statement from now whose parameters or text
    /// contain `marker` (and what follows it on its session).
    pub fn hold(&self, marker: &str, skip: usize) {
        let mut plan = self.plan.lock().expect("plan");
        *plan = Plan {
            marker: marker.as_bytes().to_vec(),
            skip,
            armed: true,
        };
    }

    /// Lets every held statement go on to PostgreSQL.
    pub fn release(&self) {
        self.plan.lock().expect("plan").armed = false;
        self.released.send_modify(|n| *n += 1);
    }
}

impl Drop for PgProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn copy(mut from: OwnedReadHalf, mut to: OwnedWriteHalf) {
    let _ = tokio::io::copy(&mut from, &mut to).await;
    let _ = to.shutdown().await;
}

/// Client to server, message by message: the start-up messages carry no
/// type byte (an `SSLRequest` or `GSSENCRequest` comes before the real one),
/// every later message is a type byte and a length.
async fn relay(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    plan: Arc<Mutex<Plan>>,
    mut released: watch::Receiver<u64>,
) {
    const SSL_REQUEST: u32 = 80_877_103;
    const GSSENC_REQUEST: u32 = 80_877_104;
    let mut started = false;
    loop {
        let mut message = Vec::new();
        if started {
            let mut kind = [0u8; 1];
            if from.read_exact(&mut kind).await.is_err() {
                break;
            }
            message.push(kind[0]);
        }
        let mut len = [0u8; 4];
        if from.read_exact(&mut len).await.is_err() {
            break;
        }
        message.extend_from_slice(&len);
        let body_len = (u32::from_be_bytes(len) as usize).saturating_sub(4);
        let mut body = vec![0u8; body_len];
        if from.read_exact(&mut body).await.is_err() {
            break;
        }
        if !started {
            let code = body
                .get(..4)
                .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
            started = !matches!(code, Some(SSL_REQUEST | GSSENC_REQUEST));
        } else if matches!(message[0], b'B' | b'Q') && should_hold(&plan, &body) {
            let seen = *released.borrow_and_update();
            while *released.borrow() == seen {
                if released.changed().await.is_err() {
                    return;
                }
            }
        }
        message.extend_from_slice(&body);
        if to.write_all(&message).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

fn should_hold(plan: &Mutex<Plan>, body: &[u8]) -> bool {
    let mut plan = plan.lock().expect("plan");
    if !plan.armed || !body.windows(plan.marker.len()).any(|w| w == plan.marker) {
        return false;
    }
    if plan.skip > 0 {
        plan.skip -= 1;
        return false;
    }
    plan.armed = false;
    true
}
