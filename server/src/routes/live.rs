//! Live routes: `GET /api/replication` (the latest topology, for viewers) and
//! `GET /ws` (the WebSocket feed: a snapshot, then `metrics` every tick and,
//! for viewers, `lookup` batches; a public client gets each tick's aggregate
//! figures and no one's searches).

use super::{
    client_ip::client_ip,
    guards::{Anyone, Viewer},
};
use crate::{auth::SessionId, error::ApiError, state::AppState};
use app::types::{ApiErrorBody, Replication, Role, ServerMessage};
use axum::{
    extract::{
        ws::{
            rejection::WebSocketUpgradeRejection, Message, Utf8Bytes, WebSocket, WebSocketUpgrade,
        },
        State,
    },
    response::{IntoResponse, Response},
    Json,
};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast::error::RecvError, OwnedSemaphorePermit};

/// A client that cannot take a message within this is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest frame a client may send (clients have nothing to say but pings).
const MAX_CLIENT_FRAME: usize = 4 * 1024;
/// Per-connection buffers. The defaults (128 KiB each way) cost ~256 KiB per
/// dashboard; ours read tiny frames and write ~2 KiB ticks.
const READ_BUFFER: usize = 8 * 1024;
const WRITE_BUFFER: usize = 16 * 1024;
/// Room for one large message beyond the write buffer.
const MAX_TICK_BYTES: usize = 256 * 1024;
/// How often a session-authenticated client's session is checked.
const SESSION_CHECK_EVERY: Duration = Duration::from_secs(5);
/// Frames a client may send per second before it is disconnected.
const MAX_CLIENT_FRAMES_PER_SEC: u32 = 20;

/// The latest replication view; 503 until the collector's first tick.
#[utoipa::path(get, path = "/api/replication", tag = "topology", security(("viewer" = [])),
    responses((status = 200, body = Replication),
              (status = 401, description = "Not signed in as a viewer", body = ApiErrorBody),
              (status = 403, description = "Wrong token, or viewer pages closed", body = ApiErrorBody),
              (status = 503, description = "No metrics collected yet", body = ApiErrorBody)))]
pub async fn replication(
    _viewer: Viewer,
    State(state): State<AppState>,
) -> Result<Json<Replication>, ApiError> {
    let tick = state
        .hub
        .latest()
        .ok_or_else(|| ApiError::Busy("no metrics collected yet: try again in a second".into()))?;
    // Nodes as of the last tick; Sentinel's side as of now (a failover is
    // on record the moment it is seen, not a tick later).
    let mut tick = (*tick).clone();
    tick.ha = state.topology.ha_status();
    Ok(Json(Replication::from_tick(&tick)))
}

/// Upgrades to a WebSocket, within the client limits (all clients, and per
/// address); a request that is no WebSocket handshake gets a JSON 4xx.
pub async fn ws(
    Anyone(caller): Anyone,
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => {
            return ApiError::Rejected(
                rejection.status(),
                format!("/ws is a WebSocket: {}", rejection.body_text()),
            )
            .into_response()
        }
    };
    let slot = match client_ip(&parts, &state.config.http.trusted_proxies) {
        Some(ip) => match state.hub.ip_slot(ip) {
            Some(slot) => Some(slot),
            None => {
                return ApiError::TooManyRequests(format!(
                    "at most {} live connections per client address",
                    state.hub.max_per_ip()
                ))
                .into_response()
            }
        },
        None => None,
    };
    let Ok(permit) = state.hub.clients.clone().try_acquire_owned() else {
        return ApiError::Busy("too many live clients: try again later".into()).into_response();
    };
    upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(4 * WRITE_BUFFER + MAX_TICK_BYTES)
        .on_upgrade(move |socket| async move {
            let session = caller.session.map(|(id, _)| id);
            client(socket, state, caller.role, session, permit).await;
            drop(slot);
        })
}

/// Serves one client until it leaves, lags too far, or misbehaves. Its
/// role is the one it had at the handshake; a client whose role came from a
/// session is closed once that session ends (signed out anywhere, expired,
/// its token rotated), checked every [`SESSION_CHECK_EVERY`].
async fn client(
    mut socket: WebSocket,
    state: AppState,
    role: Role,
    session: Option<SessionId>,
    _permit: OwnedSemaphorePermit,
) {
    // Subscribe before the snapshot so nothing between the two is missed.
    let mut feed = state.hub.subscribe(role);
    let viewer = role >= Role::Viewer;
    let latest = state.hub.latest();
    let snapshot = ServerMessage::Snapshot {
        recent: state.hub.recent(),
        metrics: latest.map(|m| {
            if viewer {
                (*m).clone()
            } else {
                m.public_view()
            }
        }),
        history: if viewer {
            state.stats.history().await.unwrap_or_default()
        } else {
            Vec::new()
        },
        role,
    };
    let Ok(text) = serde_json::to_string(&snapshot) else {
        return;
    };
    if !send(&mut socket, Utf8Bytes::from(text)).await {
        return;
    }
    let mut window = Instant::now();
    let mut frames = 0u32;
    let mut session_check = tokio::time::interval(SESSION_CHECK_EVERY);
    session_check.tick().await;
    loop {
        tokio::select! {
            _ = session_check.tick(), if session.is_some() => {
                if let Some(id) = &session {
                    // Redis unavailable: the session cannot be told ended,
                    // so the viewer keeps watching (the outage, likely).
                    if matches!(state.access.session_stands(id).await, Ok(false)) {
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
            }
            message = feed.recv() => match message {
                Ok(text) => {
                    if !send(&mut socket, text).await {
                        return;
                    }
                }
                // Too slow: skip what it missed, go on with newer messages.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {
                    if window.elapsed() >= Duration::from_secs(1) {
                        window = Instant::now();
                        frames = 0;
                    }
                    frames += 1;
                    if frames > MAX_CLIENT_FRAMES_PER_SEC {
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
            },
        }
    }
}

async fn send(socket: &mut WebSocket, text: Utf8Bytes) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(text))).await,
        Ok(Ok(()))
    )
}
