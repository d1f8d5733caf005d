//! `cachescope-hyperstatic`: a bare hyper server answering every request with
//! the bytes of one file, a peer in `scripts/bench.sh`. It runs on the same
//! tokio and hyper the server does, so the distance between it and nginx is
//! what the runtime and HTTP library cost, and the distance between it and a
//! near hit is what cachescope's own code costs.
//!
//! `--per-core` serves on one single-threaded runtime per core, each with its
//! own `SO_REUSEPORT` listener (nginx's worker model), instead of one
//! work-stealing runtime: the figure that says what that model would gain.

use bytes::Bytes;
use clap::Parser;
use http_body_util::Full;
use hyper::{body::Incoming, header, service::service_fn, Request, Response};
use hyper_util::rt::TokioIo;
use std::{convert::Infallible, net::SocketAddr, path::PathBuf, sync::Arc};
use tokio::net::{TcpListener, TcpSocket};

#[derive(Parser)]
#[command(about = "Serves one file's bytes over bare hyper (a benchmark peer)")]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8090")]
    listen: SocketAddr,
    /// The answer's bytes.
    #[arg(long)]
    file: PathBuf,
    /// One single-threaded runtime per core (SO_REUSEPORT listeners).
    #[arg(long)]
    per_core: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let body = Bytes::from(std::fs::read(&args.file)?);
    if !args.per_core {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        return runtime.block_on(async {
            let listener = TcpListener::bind(args.listen).await?;
            accept(listener, body).await;
            Ok(())
        });
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let listeners = (0..cores)
        .map(|_| {
            let socket = TcpSocket::new_v4()?;
            socket.set_reuseport(true)?;
            socket.set_reuseaddr(true)?;
            socket.bind(args.listen)?;
            Ok(socket)
        })
        .collect::<std::io::Result<Vec<_>>>()?;
    let threads: Vec<_> = listeners
        .into_iter()
        .map(|socket| {
            let body = body.clone();
            std::thread::spawn(move || -> std::io::Result<()> {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                runtime.block_on(async move {
                    let listener = socket.listen(1024)?;
                    accept(listener, body).await;
                    Ok(())
                })
            })
        })
        .collect();
    for thread in threads {
        thread
            .join()
            .map_err(|_| "a serving thread panicked")?
            .map_err(Box::new)?;
    }
    Ok(())
}

async fn accept(listener: TcpListener, body: Bytes) {
    let body = Arc::new(body);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let body = body.clone();
        tokio::spawn(async move {
            let service = service_fn(move |_: Request<Incoming>| {
                let body = Bytes::clone(&body);
                async move {
                    let mut response = Response::new(Full::new(body));
                    response.headers_mut().insert(
                        header::CONTENT_TYPE,
                        header::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, Infallible>(response)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(tcp), service)
                .await;
        });
    }
}
