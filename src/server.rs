//! Wires the layers together and runs the server until shutdown.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::bank::{Bank, SharedBank};
use crate::domain::bot::AnswerStats;
use crate::domain::member::WordList;
use crate::http;
use crate::http::session::SessionSigner;
use crate::rooms::IdMint;
use crate::rooms::district::DistrictConfig;
use crate::rooms::duel::{DuelConfig, DuelDeps, Duels, QuestionStats};
use crate::rooms::ladder::LadderConfig;
use crate::rooms::ratings::QuestionRatings;
use crate::rooms::solo::SoloShared;
use crate::rooms::wall_ms;
use crate::store::districts::DistrictList;
use crate::store::leaderboard::{
    BufferedLeaderboard, DEFAULT_BACKLOG, DEFAULT_PREFIX, Leaderboard, MemoryLeaderboard,
    RedisLeaderboard, rebuild,
};
use crate::store::writer::{self, WriteQueue, WriterHandle};
use crate::store::{Stores, sql};

/// Words refused in nicknames unless a word list file is configured.
const DEFAULT_BANNED_WORDS: &str = include_str!("banned_words.txt");
const SECRET_FILE: &str = "secret";
/// How long shutdown waits for sockets to say goodbye.
const SOCKET_DRAIN: Duration = Duration::from_secs(10);

/// Everything `dati serve` needs, already parsed.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    /// `None`: SQLite in the data dir.
    pub database_url: Option<String>,
    /// `None`: the in-process leaderboard; else Redis sorted sets.
    pub redis_url: Option<String>,
    /// What every Redis key starts with.
    pub redis_prefix: String,
    pub bank_dir: PathBuf,
    pub static_dir: PathBuf,
    /// Origins allowed to open the websocket besides the server's own.
    pub allowed_origins: Vec<String>,
    /// Signing secret; generated into the data dir when absent.
    pub secret: Option<String>,
    /// A file with one banned nickname word per line.
    pub banned_words: Option<PathBuf>,
    /// Mark the session cookie `Secure` (serve over HTTPS, or behind a
    /// proxy that terminates it).
    pub secure_cookies: bool,
    /// Messages a websocket client may send.
    pub rate_limit: RateLimit,
    pub queue_capacity: usize,
    /// Duels, and the match timings ladder races share.
    pub duel: DuelConfig,
    pub ladder: LadderConfig,
    pub district: DistrictConfig,
    /// The secret the union's app signs sign-in tokens with (HS256);
    /// `None` turns app sign-in off (docs/app-integration.md).
    pub app_secret: Option<String>,
}

/// A per-connection message rate: sustained, plus a burst above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

impl Default for RateLimit {
    /// Far above what a person playing sends (an answer and a "next" every
    /// second or two) and low enough to stop a script.
    fn default() -> Self {
        RateLimit {
            per_second: 20,
            burst: 40,
        }
    }
}

impl Config {
    /// Defaults for a server on `bind` with data in `data_dir`, bank and
    /// static files from the crate's folders.
    pub fn local(bind: SocketAddr, data_dir: PathBuf) -> Config {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        Config {
            bind,
            data_dir,
            database_url: None,
            redis_url: None,
            redis_prefix: DEFAULT_PREFIX.to_owned(),
            bank_dir: root.join("question_bank"),
            static_dir: root.join("static"),
            allowed_origins: Vec::new(),
            secret: None,
            banned_words: None,
            secure_cookies: false,
            rate_limit: RateLimit::default(),
            queue_capacity: writer::DEFAULT_CAPACITY,
            duel: DuelConfig::default(),
            ladder: LadderConfig::default(),
            district: DistrictConfig::default(),
            app_secret: None,
        }
    }
}

/// Shared state of a running server.
pub struct App {
    pub config: Config,
    pub bank: Arc<SharedBank>,
    pub stores: Stores,
    pub leaderboard: Arc<dyn Leaderboard>,
    pub queue: WriteQueue,
    pub solo: Arc<SoloShared>,
    pub duels: Arc<Duels>,
    pub signer: SessionSigner,
    /// Wrong organizer passwords, for pausing guessers.
    pub admin_logins: crate::http::admin::LoginThrottle,
    pub banned_words: WordList,
    /// The districts members pick from (data: organizers edit the list).
    pub districts: DistrictList,
    /// Live competition standings for big screens and the console.
    pub screens: Arc<crate::rooms::district::screen::ScreenFeeds>,
    /// Screen connections left to this server (`ws::screen::MAX_WATCHERS`).
    pub screen_permits: Arc<tokio::sync::Semaphore>,
    /// Cancelled when the server begins to shut down.
    pub shutdown: CancellationToken,
    /// Every live websocket and match task, so shutdown can wait for them:
    /// axum's graceful shutdown does not wait for upgraded connections.
    pub sockets: TaskTracker,
    pub metrics: PrometheusHandle,
}

/// A server that is running; dropping it does not stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub app: Arc<App>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Begins a graceful shutdown: as on SIGINT/SIGTERM.
    pub fn shutdown(&self) {
        self.app.shutdown.cancel();
    }

    /// Waits until the server has stopped and flushed every answer.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task panicked")?
    }
}

/// The process-wide metrics recorder (the `metrics` facade is global).
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (embedding, tests):
            // then this handle renders our own, uninstalled, recorder.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// Loads everything, binds and starts serving. Errors (an invalid bank, an
/// unreachable database, a taken port) come back before anything listens.
pub async fn start(config: Config) -> anyhow::Result<Running> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
    let bank = Arc::new(SharedBank::new(Bank::load(&config.bank_dir)?));
    tracing::info!(
        "question bank {}: {}",
        config.bank_dir.display(),
        bank.current().coverage()
    );
    let secret = match &config.secret {
        Some(s) => s.clone(),
        None => load_or_create_secret(&config.data_dir)?,
    };
    let banned_words = match &config.banned_words {
        Some(path) => WordList::from_lines(
            &std::fs::read_to_string(path)
                .with_context(|| format!("cannot read word list {}", path.display()))?,
        ),
        None => WordList::from_lines(DEFAULT_BANNED_WORDS),
    };
    let stores = sql::open(config.database_url.as_deref(), &config.data_dir)
        .await
        .context("cannot open the database")?;
    let leaderboard: Arc<dyn Leaderboard> = match &config.redis_url {
        Some(url) => {
            let redis = RedisLeaderboard::connect(url, &config.redis_prefix)
                .await
                .context("cannot connect to Redis (REDIS_URL)")?;
            // While Redis is away, updates wait in memory; if too many pile
            // up, or Redis comes back empty, the boards are rebuilt from SQL.
            let sql_stores = stores.clone();
            Arc::new(BufferedLeaderboard::new(
                Arc::new(redis),
                Arc::new(move || {
                    let stores = sql_stores.clone();
                    Box::pin(async move {
                        rebuild::read(&stores, wall_ms())
                            .await
                            .map_err(|e| e.to_string())
                    })
                }),
                DEFAULT_BACKLOG,
            ))
        }
        None => Arc::new(MemoryLeaderboard::new()),
    };
    // The writer replays writes spilled at the last shutdown as it starts;
    // boards and ratings are read after it, so they include those answers.
    let (queue, writer) = writer::spawn(
        stores.answers.clone(),
        leaderboard.clone(),
        &config.data_dir,
        config.queue_capacity,
    )
    .await;
    rebuild_leaderboards(&stores, leaderboard.as_ref()).await;
    let ratings = Arc::new(QuestionRatings::new(
        stores.answers.question_ratings().await.unwrap_or_else(|e| {
            tracing::warn!("question ratings unavailable, starting from difficulty: {e}");
            Default::default()
        }),
    ));
    let ids = Arc::new(IdMint::new());
    let solo = Arc::new(SoloShared {
        bank: bank.clone(),
        ratings: ratings.clone(),
        practice: stores.practice.clone(),
        queue: queue.clone(),
        ids: ids.clone(),
    });
    let question_stats = stores.matches.question_stats().await.unwrap_or_else(|e| {
        tracing::warn!("question statistics unavailable, bots start from difficulty: {e}");
        Default::default()
    });
    let shutdown = CancellationToken::new();
    let sockets = TaskTracker::new();
    let duels = Duels::new(DuelDeps {
        config: config.duel,
        bank: bank.clone(),
        question_ratings: ratings,
        stats: QuestionStats::new(
            question_stats
                .into_iter()
                .map(|(id, s)| {
                    (
                        id,
                        AnswerStats {
                            attempts: s.attempts,
                            correct: s.correct,
                            answer_ms_total: s.answer_ms_total,
                        },
                    )
                })
                .collect(),
        ),
        store: stores.matches.clone(),
        queue: queue.clone(),
        ids,
        ladder: config.ladder,
        ladder_store: stores.ladder.clone(),
        district: config.district,
        competitions: stores.competitions.clone(),
        battle_store: stores.battles.clone(),
        members: stores.members.clone(),
        shutdown: shutdown.clone(),
        tracker: sockets.clone(),
    });
    let listener =
        listen(config.bind).with_context(|| format!("cannot listen on {}", config.bind))?;
    let addr = listener.local_addr()?;
    let database = match stores.backend {
        "postgres" => "PostgreSQL (DATABASE_URL)".to_owned(),
        _ => match &config.database_url {
            Some(url) => format!("SQLite ({url})"),
            None => format!("SQLite ({})", config.data_dir.join("dati.db").display()),
        },
    };
    let leaderboard_backend = match &config.redis_url {
        Some(_) => "Redis (REDIS_URL)",
        None => "in-process",
    };
    let districts = DistrictList::new(stores.districts.clone());
    if let Err(e) = districts.reload().await {
        tracing::warn!("districts unavailable, starting with the ten defaults: {e}");
    }
    let screens = crate::rooms::district::screen::ScreenFeeds::new(
        stores.clone(),
        leaderboard.clone(),
        queue.clone(),
    );
    let app = Arc::new(App {
        districts,
        screens,
        screen_permits: Arc::new(tokio::sync::Semaphore::new(crate::ws::screen::MAX_WATCHERS)),
        config,
        bank,
        stores,
        leaderboard,
        queue,
        solo,
        duels,
        signer: SessionSigner::new(secret),
        admin_logins: Default::default(),
        banned_words,
        shutdown,
        sockets,
        metrics: metrics_handle(),
    });
    register_metrics();
    spawn_statistics_refresh(&app);
    tracing::info!(%addr, database, leaderboard = leaderboard_backend, "dati listening on http://{addr}");
    let task = tokio::spawn(serve(listener, app.clone(), writer));
    Ok(Running { addr, app, task })
}

/// Connections the kernel keeps waiting for `accept`: an event's crowd
/// arrives within seconds, and the default of 128 would refuse most of it.
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // A restarted server binds again at once, past connections in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

async fn serve(listener: TcpListener, app: Arc<App>, writer: WriterHandle) -> anyhow::Result<()> {
    let router = http::router(app.clone());
    let shutdown = app.shutdown.clone();
    // Small frames go out at once, not after Nagle's wait for an ACK.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {e}");
        }
    });
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move { shutdown.cancelled().await })
    .await;
    // Sockets see the same token and close with 1001; wait for them so that
    // every answer they took is queued before the queue is flushed.
    app.sockets.close();
    if tokio::time::timeout(SOCKET_DRAIN, app.sockets.wait())
        .await
        .is_err()
    {
        tracing::warn!("some websockets did not close within {SOCKET_DRAIN:?}");
    }
    writer.flush_and_stop().await;
    tracing::info!("dati stopped; every queued answer was written");
    served.context("server error")
}

/// How often the discrimination groups are recomputed over all answers
/// (a few seconds' work with a million answers, none of it under a write
/// lock). The console can also ask for it at once.
const STATISTICS_REFRESH: Duration = Duration::from_secs(10 * 60);

fn spawn_statistics_refresh(app: &Arc<App>) {
    let app = app.clone();
    let shutdown = app.shutdown.clone();
    app.sockets.clone().spawn(async move {
        // Not at once: the start is busy enough.
        let mut tick = tokio::time::interval_at(
            tokio::time::Instant::now() + Duration::from_secs(60),
            STATISTICS_REFRESH,
        );
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {}
            }
            if let Err(e) = app.stores.stats.refresh_groups(wall_ms()).await {
                tracing::warn!("statistics refresh failed, trying again later: {e}");
            }
        }
    });
}

/// Makes every metric visible on `/metrics` from the start, at zero.
fn register_metrics() {
    metrics::describe_gauge!("dati_open_connections", "Open websocket connections");
    metrics::describe_counter!(
        "dati_answers_recorded_total",
        "Answers written to the database"
    );
    metrics::describe_gauge!(
        "dati_answer_queue_depth",
        "Writes not yet in the database: queued or in the batch being written"
    );
    metrics::describe_counter!("dati_ws_messages_in_total", "Websocket messages received");
    metrics::describe_counter!("dati_ws_messages_out_total", "Websocket messages sent");
    metrics::describe_counter!(
        "dati_answer_write_retries_total",
        "Answer batches retried after a database error"
    );
    metrics::gauge!("dati_open_connections").increment(0.0);
    metrics::counter!("dati_answers_recorded_total").increment(0);
    metrics::counter!("dati_ws_messages_in_total").increment(0);
    metrics::counter!("dati_ws_messages_out_total").increment(0);
    metrics::counter!("dati_answer_write_retries_total").increment(0);
}

fn load_or_create_secret(data_dir: &std::path::Path) -> anyhow::Result<String> {
    let path = data_dir.join(SECRET_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let trimmed = existing.trim();
        if trimmed.len() >= 32 {
            return Ok(trimmed.to_owned());
        }
    }
    let bytes: [u8; 32] = rand::random();
    let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::write(&path, &secret).with_context(|| format!("cannot write {}", path.display()))?;
    restrict_permissions(&path);
    tracing::info!("generated a new signing secret in {}", path.display());
    Ok(secret)
}

#[cfg(unix)]
fn restrict_permissions(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_: &std::path::Path) {}

/// Refills the boards from SQL at start: the in-process board lives in
/// memory, and Redis may have missed updates while no server ran.
async fn rebuild_leaderboards(stores: &Stores, leaderboard: &dyn Leaderboard) {
    match rebuild::rebuild(stores, leaderboard, wall_ms()).await {
        Ok(snapshot) => tracing::info!(
            standings = snapshot.standings(),
            "leaderboards rebuilt from SQL"
        ),
        Err(e) => tracing::warn!("leaderboard rebuild failed: {e}"),
    }
}
