//! `/ws/screen/{id}`: a competition's live standings for a big screen or
//! the console (docs/protocol.md §3.10.4). Read-only and without sign-in,
//! like the standings shown in the hall; the server speaks, the client
//! only keeps the connection.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::OwnedSemaphorePermit;
use tokio::sync::broadcast::error::RecvError;

use super::may_upgrade;
use crate::http::error::ApiError;
use crate::rooms::district::screen::{Watch, WatchError};
use crate::server::App;

/// Screens and console views one server keeps at once.
pub const MAX_WATCHERS: usize = 512;
/// A screen sends nothing but control frames.
const MAX_INCOMING_BYTES: usize = 1024;
/// Keeps idle connections open through proxies, and finds dead ones.
const PING_EVERY: Duration = Duration::from_secs(25);
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Close codes: the competition is unknown or a draft; the standings cannot
/// be read now; the screen fell too far behind (it reconnects for a fresh
/// snapshot).
pub const CLOSE_NOT_FOUND: u16 = 4404;
pub const CLOSE_UNAVAILABLE: u16 = 1013;
pub const CLOSE_BEHIND: u16 = 4408;
pub const CLOSE_GOING_AWAY: u16 = 1001;
pub const CLOSE_POLICY: u16 = 1008;

pub async fn upgrade(
    State(app): State<Arc<App>>,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    if let Err(refused) = may_upgrade(&app, &headers) {
        return refused.into_response();
    }
    let Ok(permit) = app.screen_permits.clone().try_acquire_owned() else {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "too_many_screens",
            "大屏连接过多，请稍后再试",
        )
        .into_response();
    };
    let tracker = app.sockets.clone();
    ws.max_message_size(MAX_INCOMING_BYTES)
        .max_frame_size(MAX_INCOMING_BYTES)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .on_upgrade(move |socket| tracker.track_future(run(app, id, socket, permit)))
}

async fn close(mut socket: WebSocket, code: u16, reason: &str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Close(Some(frame)))).await;
}

async fn run(app: Arc<App>, id: i64, mut socket: WebSocket, _permit: OwnedSemaphorePermit) {
    let watch = match app.screens.watch(id).await {
        Ok(w) => w,
        Err(WatchError::NotFound(_)) => {
            return close(socket, CLOSE_NOT_FOUND, "比赛不存在或未发布").await;
        }
        Err(WatchError::Unavailable) => {
            return close(socket, CLOSE_UNAVAILABLE, "排名暂时无法读取，请稍后重连").await;
        }
    };
    let Watch {
        version,
        snapshot,
        mut changes,
    } = watch;
    if !send(&mut socket, &snapshot).await {
        return;
    }
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            change = changes.recv() => match change {
                Ok((v, text)) => {
                    if v > version && !send(&mut socket, &text).await {
                        return;
                    }
                }
                Err(RecvError::Lagged(_)) => {
                    return close(socket, CLOSE_BEHIND, "更新积压，请重新连接").await;
                }
                Err(RecvError::Closed) => {
                    return close(socket, CLOSE_GOING_AWAY, "服务器正在关闭").await;
                }
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Ok(Message::Text(_) | Message::Binary(_))) => {
                    return close(socket, CLOSE_POLICY, "大屏连接只接收，不接受消息").await;
                }
            },
            _ = ping.tick() => {
                if !matches!(
                    tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Ping(Default::default()))).await,
                    Ok(Ok(()))
                ) {
                    return;
                }
            }
            _ = app.shutdown.cancelled() => {
                return close(socket, CLOSE_GOING_AWAY, "服务器正在关闭").await;
            }
        }
    }
}

/// Sends a text frame; false when the screen is gone or too slow.
async fn send(socket: &mut WebSocket, text: &Arc<str>) -> bool {
    matches!(
        tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text((**text).into()))).await,
        Ok(Ok(()))
    )
}
