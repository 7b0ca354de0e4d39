//! One websocket connection: a thin `select!` loop between the socket, the
//! player's deadline timer, keep-alive pings and shutdown.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use governor::clock::MonotonicClock;
use governor::{Quota, RateLimiter};
use tokio::time::{Instant, MissedTickBehavior};

use super::protocol::{
    ClientMsg, ErrorCode, MemberView, PROTOCOL_VERSION, Refusal, ServerMsg, close,
};
use crate::rooms::duel::Outbound;
use crate::rooms::duel::room::to_text;
use crate::rooms::solo::{SoloPlayer, refusal};
use crate::rooms::wall_ms;
use crate::server::App;
use crate::store::Member;

const PING_EVERY: Duration = Duration::from_secs(15);
/// A client that answers no ping for this long is gone.
const PONG_TIMEOUT: Duration = Duration::from_secs(45);
/// A client that does not take our messages within this long is not reading.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// How long to wait for the client's reply to our close frame.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(2);
/// The most of an answer's measured time attributed to the network.
const MAX_ALLOWANCE: Duration = Duration::from_millis(150);

type Sink = SplitSink<WebSocket, Message>;

/// Why the loop ended, when it should tell the client.
struct Closing {
    code: u16,
    reason: &'static str,
}

struct OpenConnection;

impl OpenConnection {
    fn new() -> OpenConnection {
        metrics::gauge!("dati_open_connections").increment(1.0);
        OpenConnection
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        metrics::gauge!("dati_open_connections").decrement(1.0);
    }
}

pub async fn run(app: Arc<App>, member: Member, socket: WebSocket) {
    let _open = OpenConnection::new();
    let (mut sink, mut stream) = socket.split();
    // The monotonic clock costs nothing to make; the default (quanta)
    // calibrates itself for every limiter, which was 5 % of a join.
    let limiter = RateLimiter::direct_with_clock(
        Quota::per_second(
            NonZeroU32::new(app.config.rate_limit.per_second.max(1)).expect("non-zero"),
        )
        .allow_burst(NonZeroU32::new(app.config.rate_limit.burst.max(1)).expect("non-zero")),
        MonotonicClock,
    );
    let (mut duel, mut outbox) = app.duels.connect(member.clone());
    let hello = ServerMsg::Hello {
        protocol: PROTOCOL_VERSION,
        member: MemberView::from(&member),
        server_time_ms: wall_ms(),
        active_match: app.duels.active_match(member.id),
    };
    let mut player = SoloPlayer::new(app.solo.clone(), member);
    let mut ping = tokio::time::interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_seen = Instant::now();
    let mut pending_ping: Option<(u64, Instant)> = None;
    let mut allowance = Duration::ZERO;

    let mut closing = if send(&mut sink, vec![to_text(&hello)]).await {
        None
    } else {
        app.duels.disconnect(&duel);
        return;
    };
    while closing.is_none() {
        let deadline = player.next_deadline();
        let out: Vec<Utf8Bytes> = tokio::select! {
            _ = app.shutdown.cancelled() => {
                closing = Some(Closing { code: close::GOING_AWAY, reason: "server shutting down" });
                Vec::new()
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                texts(player.expire(Instant::now()).await)
            }
            Some(first) = outbox.recv() => {
                // Take whatever else is waiting too: one flush for all of it.
                let mut frames = Vec::new();
                let mut next = Some(first);
                while let Some(item) = next {
                    match item {
                        Outbound::Text(text) => frames.push(text),
                        Outbound::Attached(link, seat) => duel.link = Some((link, seat)),
                    }
                    next = outbox.try_recv().ok();
                }
                frames
            }
            _ = ping.tick() => {
                if last_seen.elapsed() > PONG_TIMEOUT {
                    break;
                }
                let nonce: u64 = rand::random();
                pending_ping = Some((nonce, Instant::now()));
                let ping = sink.send(Message::Ping(nonce.to_be_bytes().to_vec().into()));
                if !matches!(tokio::time::timeout(SEND_TIMEOUT, ping).await, Ok(Ok(()))) {
                    break;
                }
                Vec::new()
            }
            frame = stream.next() => {
                let now = Instant::now();
                last_seen = now;
                match frame {
                    None | Some(Ok(Message::Close(_))) => break,
                    Some(Err(e)) => {
                        closing = read_error_close(&e);
                        if closing.is_none() {
                            break;
                        }
                        Vec::new()
                    }
                    Some(Ok(Message::Pong(payload))) => {
                        if let Some((nonce, sent)) = pending_ping
                            && payload.as_ref() == nonce.to_be_bytes()
                        {
                            allowance = (now.duration_since(sent) / 2).min(MAX_ALLOWANCE);
                            pending_ping = None;
                        }
                        Vec::new()
                    }
                    Some(Ok(Message::Ping(_))) => Vec::new(),
                    Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => {
                        metrics::counter!("dati_ws_messages_in_total").increment(1);
                        if limiter.check().is_err() {
                            closing = Some(Closing { code: close::POLICY_VIOLATION, reason: "rate limit exceeded" });
                            Vec::new()
                        } else {
                            let replies = match msg {
                                Message::Text(text) => match parse(text.as_str()) {
                                    Ok(msg) if msg.is_duel() => {
                                        if player.is_playing() && msg.starts_duel() {
                                            vec![refusal(ErrorCode::SetInProgress, None).into()]
                                        } else {
                                            app.duels.handle(&mut duel, msg, now, allowance).await
                                        }
                                    }
                                    Ok(ClientMsg::Start { .. }) if app.duels.is_busy(duel.member.id) => {
                                        vec![refusal(ErrorCode::AlreadyQueued, None).into()]
                                    }
                                    Ok(msg) => player.handle(msg, now, allowance).await,
                                    Err(refusal) => vec![refusal.into()],
                                },
                                _ => vec![error(ErrorCode::BadMessage, "只接受 JSON 文本消息").into()],
                            };
                            texts(replies)
                        }
                    }
                }
            }
        };
        if !send(&mut sink, out).await {
            break;
        }
    }
    if let Some(Closing { code, reason }) = closing {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        if let Ok(Ok(())) =
            tokio::time::timeout(SEND_TIMEOUT, sink.send(Message::Close(Some(frame)))).await
        {
            // Finish the close handshake: read (and drop) what the client
            // still sends until its close arrives. Hanging up at once would
            // reset the connection and could destroy our close frame unread.
            let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async {
                while let Some(Ok(msg)) = stream.next().await {
                    if matches!(msg, Message::Close(_)) {
                        break;
                    }
                }
            })
            .await;
        }
    }
    app.duels.disconnect(&duel);
    player.disconnect(Instant::now()).await;
}

fn texts(msgs: Vec<ServerMsg>) -> Vec<Utf8Bytes> {
    msgs.iter().map(to_text).collect()
}

/// Sends messages in order; false when the client is gone or not reading.
async fn send(sink: &mut Sink, frames: Vec<Utf8Bytes>) -> bool {
    // Queue them all, then flush once: one write for a result and the
    // summary or question that follows it.
    let delivered = tokio::time::timeout(SEND_TIMEOUT, async {
        let mut count = 0u64;
        for text in frames {
            sink.feed(Message::Text(text)).await?;
            count += 1;
        }
        if count > 0 {
            sink.flush().await?;
        }
        Ok::<u64, axum::Error>(count)
    })
    .await;
    match delivered {
        Ok(Ok(count)) => {
            metrics::counter!("dati_ws_messages_out_total").increment(count);
            true
        }
        _ => false,
    }
}

/// Tells an unknown type from a malformed message of a known type.
pub fn parse(text: &str) -> Result<ClientMsg, Refusal> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|_| error(ErrorCode::BadJson, ErrorCode::BadJson.text()))?;
    match value.get("type").and_then(|t| t.as_str()) {
        Some(t) if ClientMsg::TYPES.contains(&t) => {}
        Some(t) => {
            return Err(error(
                ErrorCode::UnknownType,
                &format!("未知的消息类型 {t:?}"),
            ));
        }
        None => return Err(error(ErrorCode::UnknownType, "消息缺少 type 字段")),
    }
    serde_json::from_value(value)
        .map_err(|e| error(ErrorCode::BadMessage, &format!("消息格式不正确：{e}")))
}

fn error(code: ErrorCode, message: &str) -> Refusal {
    Refusal {
        code,
        message: message.to_owned(),
        seq: None,
    }
}

/// A read error that deserves a close frame: an oversize message.
fn read_error_close(e: &axum::Error) -> Option<Closing> {
    let source = std::error::Error::source(e)?;
    match source.downcast_ref::<tungstenite::Error>() {
        Some(tungstenite::Error::Capacity(_)) => Some(Closing {
            code: close::MESSAGE_TOO_BIG,
            reason: "message too big (limit 16 KiB)",
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<ClientMsg, Refusal>) -> ErrorCode {
        match r {
            Err(refusal) => refusal.code,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn parse_tells_bad_json_unknown_types_and_bad_messages_apart() {
        assert_eq!(code(parse("{not json")), ErrorCode::BadJson);
        assert_eq!(code(parse(r#"{"type":"dance"}"#)), ErrorCode::UnknownType);
        assert_eq!(code(parse(r#"{"seq":1}"#)), ErrorCode::UnknownType);
        assert_eq!(
            code(parse(r#"{"type":"answer","seq":"one","choice":[0]}"#)),
            ErrorCode::BadMessage
        );
        assert_eq!(
            code(parse(r#"{"type":"answer","seq":1,"choice":[0],"extra":1}"#)),
            ErrorCode::BadMessage
        );
    }

    proptest::proptest! {
        /// Whatever arrives, parsing answers with a message or a refusal.
        #[test]
        fn parse_never_panics(text in ".{0,200}") {
            let _ = parse(&text);
        }

        #[test]
        fn parse_never_panics_on_json_shaped_input(
            ty in proptest::sample::select(ClientMsg::TYPES.to_vec()),
            field in "[a-z_]{1,8}",
            value in proptest::prop_oneof![
                proptest::strategy::Just("null".to_string()),
                "-?[0-9]{1,25}",
                "\"[^\"\\\\]{0,10}\"",
                proptest::strategy::Just("[1,2,3]".to_string()),
                proptest::strategy::Just("{}".to_string()),
            ],
        ) {
            let _ = parse(&format!(r#"{{"type":"{ty}","{field}":{value}}}"#));
        }
    }

    #[test]
    fn parse_accepts_every_documented_message() {
        for text in [
            r#"{"type":"start","mode":"practice","history":"party","size":5}"#,
            r#"{"type":"start","mode":"challenge"}"#,
            r#"{"type":"media_ready","seq":2}"#,
            r#"{"type":"answer","seq":1,"choice":[0,2]}"#,
            r#"{"type":"next"}"#,
            r#"{"type":"revive"}"#,
            r#"{"type":"finish"}"#,
            r#"{"type":"ping","nonce":7}"#,
        ] {
            assert!(parse(text).is_ok(), "{text}");
        }
    }
}
