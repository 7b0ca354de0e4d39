//! The `dati` binary: `dati serve` (the default) and `dati bank check`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use dati::bank::{Bank, BankErrors};
use dati::server::{self, Config};
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(
    name = "dati",
    version,
    about = "答题: a realtime history-quiz platform"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the game (the default when no command is given).
    Serve(ServeArgs),
    /// Work with the question bank.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Drive a running server with simulated players and report latency.
    Load(LoadArgs),
}

#[derive(Args)]
struct LoadArgs {
    /// The server to load.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    target: String,
    /// Simulated members, each on its own websocket.
    #[arg(long, default_value_t = 200)]
    players: usize,
    /// New players per second while ramping up.
    #[arg(long, default_value_t = 200.0)]
    ramp: f64,
    /// Seconds each player keeps playing.
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Mean think time before each answer, in ms (each drawn from 0.5–1.5×).
    #[arg(long, default_value_t = 1500)]
    think_ms: u64,
    /// The server's pid, to sample its CPU time and memory from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// What the simulated members play.
    #[arg(long, value_enum, default_value = "solo")]
    scenario: dati::load::Scenario,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[derive(Subcommand)]
enum BankCommand {
    /// Validate every question; list all problems and exit non-zero if any.
    Check {
        #[arg(long, env = "DATI_BANK_DIR", default_value = "question_bank")]
        bank_dir: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DATI_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Where the SQLite database, the signing secret and spilled writes live.
    #[arg(long, env = "DATI_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; unset for SQLite in the data dir.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// `redis://…`; reserved for the Redis leaderboard (not used yet).
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    /// The question bank folder.
    #[arg(long, env = "DATI_BANK_DIR", default_value = "question_bank")]
    bank_dir: PathBuf,
    /// The web client folder.
    #[arg(long, env = "DATI_STATIC_DIR", default_value = "static")]
    static_dir: PathBuf,
    /// Extra origins allowed to open the websocket (comma-separated),
    /// e.g. https://app.example.org. The server's own origin is always allowed.
    #[arg(
        long = "allowed-origin",
        env = "DATI_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// The session signing secret; generated into the data dir if unset.
    #[arg(long, env = "DATI_SECRET", hide_env_values = true)]
    secret: Option<String>,
    /// A file of words refused in nicknames, one per line.
    #[arg(long, env = "DATI_BANNED_WORDS")]
    banned_words: Option<PathBuf>,
    /// Mark the session cookie Secure: set this when players reach dati over HTTPS.
    #[arg(long, env = "DATI_SECURE_COOKIES")]
    secure_cookies: bool,
    /// Questions per duel.
    #[arg(long, env = "DATI_DUEL_QUESTIONS", default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=20))]
    duel_questions: u8,
    /// Seconds in the duel queue before a bot is offered.
    #[arg(long, env = "DATI_DUEL_BOT_AFTER", default_value_t = 10)]
    duel_bot_after: u64,
    /// Counted duels per member per day (Beijing time); unlimited when unset.
    #[arg(long, env = "DATI_DUEL_DAILY_CAP")]
    duel_daily_cap: Option<u32>,
    /// Seconds a player who dropped out of a match keeps the seat.
    #[arg(long, env = "DATI_GRACE", default_value_t = 30)]
    grace: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn,sqlx=warn")),
        )
        .init();
    let cli = Cli::parse();
    let command = cli.command.unwrap_or_else(|| {
        // Plain `dati` serves, reading the same flags' environment variables.
        match Cli::parse_from(["dati", "serve"]).command {
            Some(c) => c,
            None => unreachable!("serve was given"),
        }
    });
    match command {
        Command::Bank(BankCommand::Check { bank_dir }) => bank_check(&bank_dir),
        Command::Serve(args) => serve(args),
        Command::Load(args) => load(args),
    }
}

fn bank_check(dir: &std::path::Path) -> ExitCode {
    match Bank::load(dir) {
        Ok(bank) => {
            // A closed pipe (`| head`) is not an error worth a panic.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}: no problems found", dir.display());
            let _ = writeln!(out, "{}", bank.coverage());
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprint!("{errors}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: ServeArgs) -> ExitCode {
    let config = Config {
        bind: args.bind,
        data_dir: args.data_dir,
        database_url: args.database_url.filter(|u| !u.is_empty()),
        redis_url: args.redis_url.filter(|u| !u.is_empty()),
        bank_dir: args.bank_dir,
        static_dir: args.static_dir,
        allowed_origins: args
            .allowed_origins
            .into_iter()
            .filter(|o| !o.is_empty())
            .collect(),
        secret: args.secret.filter(|s| !s.is_empty()),
        banned_words: args.banned_words,
        secure_cookies: args.secure_cookies,
        rate_limit: dati::server::RateLimit::default(),
        queue_capacity: dati::store::writer::DEFAULT_CAPACITY,
        duel: dati::rooms::duel::DuelConfig {
            questions: usize::from(args.duel_questions),
            bot_after: std::time::Duration::from_secs(args.duel_bot_after),
            daily_cap: args.duel_daily_cap,
            grace: std::time::Duration::from_secs(args.grace),
            ..Default::default()
        },
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = runtime.block_on(async move {
        let running = server::start(config).await?;
        let app = running.app.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutdown requested: closing sockets and flushing answers");
            app.shutdown.cancel();
        });
        running.wait().await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(bank) = e.downcast_ref::<BankErrors>() {
                eprint!("dati serve refuses to start: {bank}");
            } else {
                eprintln!("dati serve failed: {e:#}");
            }
            ExitCode::FAILURE
        }
    }
}

fn load(args: LoadArgs) -> ExitCode {
    let config = dati::load::LoadConfig {
        target: args.target,
        players: args.players,
        ramp_per_sec: args.ramp,
        duration: std::time::Duration::from_secs(args.duration),
        think: std::time::Duration::from_millis(args.think_ms),
        server_pid: args.server_pid,
        scenario: args.scenario,
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(dati::load::run(config)) {
        Ok(report) => {
            println!("{report}");
            if let Some(path) = args.json {
                let json = serde_json::to_string_pretty(&report).expect("reports serialize");
                if let Err(e) = std::fs::write(&path, json) {
                    eprintln!("cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dati load failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
