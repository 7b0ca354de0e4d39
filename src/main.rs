//! The `dati` binary: `dati serve` (the default) and `dati bank check`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use dati::bank::{Bank, BankErrors};
use dati::server::{self, Config};
use tracing_subscriber::EnvFilter;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    Serve(Box<ServeArgs>),
    /// Work with the question bank.
    #[command(subcommand)]
    Bank(BankCommand),
    /// Drive a running server with simulated players and report latency.
    Load(LoadArgs),
    /// Manage organizer accounts for the /admin console.
    #[command(subcommand)]
    Organizer(OrganizerCommand),
    /// Work with the leaderboards.
    #[command(subcommand)]
    Leaderboard(LeaderboardCommand),
    /// Fill a database with members and plausible answers (benchmarks,
    /// demos). Never point it at a database members really use.
    Seed(SeedArgs),
    /// Measure answer persistence: the batched writer against one INSERT
    /// per answer, on a scratch database of its own; with Redis, the
    /// leaderboard's update rate and top-10 reads meanwhile.
    PersistBench(PersistBenchArgs),
}

#[derive(Args)]
struct PersistBenchArgs {
    /// `postgres://…`: make a scratch database on this server (dropped
    /// afterwards); unset for SQLite in a temporary directory.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// `redis://…`: also measure the leaderboard (keys under a prefix of
    /// their own, deleted afterwards).
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    #[arg(long, default_value_t = 200_000)]
    rows: usize,
    #[arg(long, default_value_t = 5_000)]
    baseline_rows: usize,
    #[arg(long, default_value_t = 1_000)]
    members: usize,
    #[arg(long, default_value_t = 200_000)]
    board_events: usize,
    /// Also write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Append the report as markdown rows to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
}

#[derive(Args)]
struct SeedArgs {
    #[arg(long, default_value_t = 20_000)]
    members: usize,
    #[arg(long, default_value_t = 1_000_000)]
    answers: usize,
    /// Spread the answers over this many days up to now.
    #[arg(long, default_value_t = 90)]
    days: i64,
    /// The same seed makes the same data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, env = "DATI_BANK_DIR", default_value = "question_bank")]
    bank_dir: PathBuf,
    #[command(flatten)]
    database: DatabaseArgs,
}

#[derive(Subcommand)]
enum LeaderboardCommand {
    /// Recompute every board (current day, week and all time) from the
    /// database into Redis. Servers rebuild at start by themselves; this is
    /// for after Redis lost data, or to check the boards against SQL.
    Rebuild {
        #[command(flatten)]
        database: DatabaseArgs,
        /// `redis://…`: the boards to rebuild.
        #[arg(long, env = "REDIS_URL")]
        redis_url: Option<String>,
        /// The servers' key prefix.
        #[arg(long, env = "DATI_REDIS_PREFIX", default_value = dati::store::leaderboard::DEFAULT_PREFIX)]
        redis_prefix: String,
    },
}

#[derive(Subcommand)]
enum OrganizerCommand {
    /// Create an organizer, or set a new password for an existing one. The
    /// password is asked for twice on a terminal, or read as one line from
    /// standard input when it is not a terminal.
    Add {
        /// The name to sign in with.
        name: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

/// Where the data lives, as `serve` finds it.
#[derive(Args)]
struct DatabaseArgs {
    #[arg(long, env = "DATI_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// `postgres://…` for PostgreSQL; unset for SQLite in the data dir.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
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
    /// Seconds each player keeps playing; then it finishes its set or
    /// match, leaves its queue and hangs up, and the run ends by itself.
    #[arg(long, default_value_t = 30)]
    duration: u64,
    /// Mean think time before each answer, in ms. Each is drawn from a
    /// log-normal distribution with this mean (see --think-sigma), capped
    /// at the question's time limit less 1 s.
    #[arg(long, default_value_t = 1500)]
    think_ms: u64,
    /// σ of the think time's log-normal distribution: 0.5 puts 90 % of
    /// answers between 0.39 and 2 × the mean; 0 makes every think equal.
    #[arg(long, default_value_t = 0.5)]
    think_sigma: f64,
    /// What the simulated members play: one of idle, solo, duel, ladder,
    /// district, or a weighted mix as a comma-separated list, e.g.
    /// `duel=50,solo=30,idle=20` (weights are relative; a name without
    /// `=N` weighs 1). Members are dealt out in proportion, interleaved
    /// over the ramp. idle: connected, answering the server's pings and
    /// sending `ping` every --heartbeat-s; solo: practice sets of 20;
    /// duel: duels from the queue (taking the bot offered after a wait);
    /// ladder: 争上游 races of four; district: battles of --competition.
    #[arg(long, default_value = "solo")]
    scenario: dati::load::Mix,
    /// The running district competition that district players battle in
    /// (create and publish it beforehand, starting in the past). Its
    /// members are spread round-robin over its districts.
    #[arg(long)]
    competition: Option<i64>,
    /// Seconds between idle players' `ping` heartbeats (0: none; they
    /// still answer the server's websocket pings).
    #[arg(long, default_value_t = 25)]
    heartbeat_s: u64,
    /// Worker threads for the generator (0: one per core it may run on,
    /// so `taskset -c 1` gives one).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Play in step: players connect over the ramp and wait; 3 s after
    /// the ramp's planned end all send their first request at once (a
    /// crowd queueing together), then answer on a shared beat every
    /// --think-ms (all in the same instants), and each plays --duration
    /// from that common start.
    #[arg(long)]
    in_step: bool,
    /// The server's pid, to sample its CPU time and memory from /proc.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Append the report as one row of docs/performance.md's table to this
    /// file, named by `--name`.
    #[arg(long, requires = "name")]
    markdown: Option<PathBuf>,
    /// The scenario's name in the markdown row.
    #[arg(long)]
    name: Option<String>,
}

#[derive(Subcommand)]
enum BankCommand {
    /// Validate every question and report the bank's coverage; exit
    /// non-zero on any problem or when coverage falls below the targets
    /// (100 questions per history, each difficulty ≥ 10 % of its history,
    /// 40 media questions: 15 image, 10 audio, 10 video).
    Check {
        #[arg(long, env = "DATI_BANK_DIR", default_value = "question_bank")]
        bank_dir: PathBuf,
        /// Check the questions only, not the coverage targets (for small
        /// banks of one's own).
        #[arg(long)]
        no_coverage_targets: bool,
    },
    /// Write the spreadsheet template organizers fill (Chinese headings and
    /// one example row; an .xlsx also explains every column on a second sheet).
    Template {
        /// FILE.xlsx or FILE.csv
        #[arg(long)]
        out: PathBuf,
    },
    /// Import questions from FILE (.csv, .xlsx, or a .zip bundle of one
    /// spreadsheet and its media files) into <bank-dir>/imported.toml.
    /// Every rejected row is reported; nothing is written while any row is
    /// rejected unless --valid-only is given.
    Import {
        file: PathBuf,
        #[arg(long, env = "DATI_BANK_DIR", default_value = "question_bank")]
        bank_dir: PathBuf,
        /// Write the valid rows even when some rows are rejected.
        #[arg(long)]
        valid_only: bool,
        /// Check and report only; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the whole bank in the template's columns: FILE.xlsx, FILE.csv,
    /// or FILE.zip (the spreadsheet plus every media file it names, ready
    /// for `dati bank import`).
    Export {
        #[arg(long, env = "DATI_BANK_DIR", default_value = "question_bank")]
        bank_dir: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Also export retired questions (状态 停用); by default only the
        /// questions in play are exported.
        #[arg(long)]
        include_retired: bool,
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
    /// `redis://…` for the leaderboards in Redis; unset for the in-process ones.
    #[arg(long, env = "REDIS_URL")]
    redis_url: Option<String>,
    /// What every Redis key starts with: servers of one deployment share
    /// it, deployments sharing a Redis differ.
    #[arg(long, env = "DATI_REDIS_PREFIX", default_value = dati::store::leaderboard::DEFAULT_PREFIX)]
    redis_prefix: String,
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
    /// Questions per ladder race (争上游).
    #[arg(long, env = "DATI_LADDER_QUESTIONS", default_value_t = 5, value_parser = clap::value_parser!(u8).range(1..=20))]
    ladder_questions: u8,
    /// Seconds alone in the ladder queue before bots fill the empty seats.
    #[arg(long, env = "DATI_LADDER_BOT_AFTER", default_value_t = 15)]
    ladder_bot_after: u64,
    /// Seconds a player who dropped out of a match keeps the seat.
    #[arg(long, env = "DATI_GRACE", default_value_t = 30)]
    grace: u64,
    /// The secret the union's app signs sign-in tokens with (HS256, at least
    /// 32 bytes); app sign-in is off when unset. See docs/app-integration.md.
    #[arg(long, env = "DATI_APP_SECRET", hide_env_values = true, value_parser = app_secret)]
    app_secret: Option<String>,
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
        Command::Bank(BankCommand::Check {
            bank_dir,
            no_coverage_targets,
        }) => bank_check(&bank_dir, !no_coverage_targets),
        Command::Bank(BankCommand::Template { out }) => bank_template(&out),
        Command::Bank(BankCommand::Import {
            file,
            bank_dir,
            valid_only,
            dry_run,
        }) => bank_import(&file, &bank_dir, valid_only, dry_run),
        Command::Bank(BankCommand::Export {
            bank_dir,
            out,
            include_retired,
        }) => bank_export(&bank_dir, &out, include_retired),
        Command::Serve(args) => serve(*args),
        Command::Load(args) => load(args),
        Command::Organizer(OrganizerCommand::Add { name, database }) => {
            organizer_add(&name, database)
        }
        Command::Seed(args) => seed(args),
        Command::PersistBench(args) => persist_bench(args),
        Command::Leaderboard(LeaderboardCommand::Rebuild {
            database,
            redis_url,
            redis_prefix,
        }) => leaderboard_rebuild(database, redis_url, &redis_prefix),
    }
}

fn persist_bench(args: PersistBenchArgs) -> ExitCode {
    let config = dati::persist_bench::PersistBenchConfig {
        database_url: args.database_url.filter(|u| !u.is_empty()),
        redis_url: args.redis_url.filter(|u| !u.is_empty()),
        rows: args.rows,
        baseline_rows: args.baseline_rows,
        members: args.members,
        board_events: args.board_events,
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    match runtime.block_on(dati::persist_bench::run(&config)) {
        Ok(report) => {
            print!("{report}");
            if let Some(path) = args.json {
                let text = serde_json::to_string_pretty(&report).expect("report serializes");
                if let Err(e) = std::fs::write(&path, text) {
                    eprintln!("cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            if let Some(path) = args.markdown
                && let Err(e) = append(&path, &report.markdown_rows())
            {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("persist-bench failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn seed(args: SeedArgs) -> ExitCode {
    let bank = match Bank::load(&args.bank_dir) {
        Ok(bank) => bank,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let total = args.answers;
    let result = runtime.block_on(async {
        std::fs::create_dir_all(&args.database.data_dir)?;
        let url = args.database.database_url.filter(|u| !u.is_empty());
        let stores = dati::store::sql::open(url.as_deref(), &args.database.data_dir).await?;
        let config = dati::seed::SeedConfig {
            members: args.members,
            answers: args.answers,
            days: args.days,
            now_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
            seed: args.seed,
        };
        let step = (total / 20).max(1);
        dati::seed::run(&stores, &bank, &config, |done| {
            if done % step < dati::store::writer::MAX_BATCH || done == total {
                eprint!(
                    "\r{done} / {total} answers ({:.0} %)",
                    done as f64 * 100.0 / total.max(1) as f64
                );
            }
        })
        .await
    });
    eprintln!();
    match result {
        Ok(report) => {
            println!(
                "seeded {} members and {} answers in {:.1} s ({:.0} answers/s)",
                report.members,
                report.answers,
                report.elapsed.as_secs_f64(),
                report.answers as f64 / report.elapsed.as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dati seed failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn organizer_add(name: &str, database: DatabaseArgs) -> ExitCode {
    use std::io::IsTerminal;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 40 || name.chars().any(char::is_control) {
        eprintln!("the name must be 1–40 characters without control characters");
        return ExitCode::FAILURE;
    }
    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("password for {name}: "));
        let again = rpassword::prompt_password("again: ");
        match (first, again) {
            (Ok(a), Ok(b)) if a == b => a,
            (Ok(_), Ok(_)) => {
                eprintln!("the two passwords differ; nothing changed");
                return ExitCode::FAILURE;
            }
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("cannot read the password: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        let mut line = String::new();
        if let Err(e) = std::io::stdin().read_line(&mut line) {
            eprintln!("cannot read the password from standard input: {e}");
            return ExitCode::FAILURE;
        }
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    if password.chars().count() < dati::http::admin::MIN_PASSWORD_CHARS {
        eprintln!(
            "the password must have at least {} characters",
            dati::http::admin::MIN_PASSWORD_CHARS
        );
        return ExitCode::FAILURE;
    }
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = runtime.block_on(async {
        std::fs::create_dir_all(&database.data_dir)?;
        let url = database.database_url.filter(|u| !u.is_empty());
        let stores = dati::store::sql::open(url.as_deref(), &database.data_dir).await?;
        let hash = dati::http::admin::hash_password(&password)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        anyhow::Ok(stores.organizers.put_organizer(name, &hash, now).await?)
    });
    match result {
        Ok((organizer, true)) => {
            println!("organizer {} created (id {})", organizer.name, organizer.id);
            ExitCode::SUCCESS
        }
        Ok((organizer, false)) => {
            println!("organizer {}: password changed", organizer.name);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dati organizer add failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// An HS256 key must be at least as long as the hash (RFC 7518 §3.2).
fn app_secret(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.len() < 32 {
        return Err(
            "the app secret must be at least 32 bytes (or empty to turn app sign-in off)".into(),
        );
    }
    Ok(s.to_owned())
}

fn leaderboard_rebuild(
    database: DatabaseArgs,
    redis_url: Option<String>,
    prefix: &str,
) -> ExitCode {
    use dati::store::leaderboard::{RedisLeaderboard, rebuild};
    let Some(redis_url) = redis_url.filter(|u| !u.is_empty()) else {
        println!(
            "REDIS_URL is unset: the in-process leaderboard is rebuilt from the database at every start; nothing to do"
        );
        return ExitCode::SUCCESS;
    };
    let runtime = tokio::runtime::Runtime::new().expect("tokio runtime");
    let result = runtime.block_on(async {
        std::fs::create_dir_all(&database.data_dir)?;
        let url = database.database_url.filter(|u| !u.is_empty());
        let stores = dati::store::sql::open(url.as_deref(), &database.data_dir).await?;
        let board = RedisLeaderboard::connect(&redis_url, prefix)
            .await
            .map_err(|e| anyhow::anyhow!("cannot connect to Redis (REDIS_URL): {e}"))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        anyhow::Ok(rebuild::rebuild(&stores, &board, now).await?)
    });
    match result {
        Ok(snapshot) => {
            println!(
                "rebuilt {} buckets ({} standings) from the database",
                snapshot.buckets.len(),
                snapshot.standings()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("dati leaderboard rebuild failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn bank_check(dir: &std::path::Path, targets: bool) -> ExitCode {
    match Bank::load(dir) {
        Ok(bank) => {
            // A closed pipe (`| head`) is not an error worth a panic.
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{}: no problems found", dir.display());
            let coverage = bank.coverage();
            let _ = writeln!(out, "{coverage}");
            let _ = writeln!(
                out,
                "difficulty shares per history:\n{}",
                coverage.difficulty_shares()
            );
            if !targets {
                return ExitCode::SUCCESS;
            }
            let short = coverage.shortfalls(&dati::bank::CoverageTargets::default());
            if short.is_empty() {
                let _ = writeln!(
                    out,
                    "coverage targets met: ≥ 100 questions per history, every difficulty ≥ 10 % of its history, ≥ 40 media (15 image, 10 audio, 10 video)"
                );
                ExitCode::SUCCESS
            } else {
                for s in short {
                    eprintln!("coverage: {s}");
                }
                ExitCode::FAILURE
            }
        }
        Err(errors) => {
            eprint!("{errors}");
            ExitCode::FAILURE
        }
    }
}

fn bank_template(out: &std::path::Path) -> ExitCode {
    use dati::bank::template;
    let bytes = match out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("xlsx") => match template::template_xlsx() {
            Ok(b) => b,
            Err(e) => {
                eprintln!("cannot build the template: {e}");
                return ExitCode::FAILURE;
            }
        },
        Some(e) if e.eq_ignore_ascii_case("csv") => template::template_csv(),
        _ => {
            eprintln!("--out must name a .xlsx or .csv file");
            return ExitCode::FAILURE;
        }
    };
    match std::fs::write(out, bytes) {
        Ok(()) => {
            println!("wrote the import template to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

fn bank_import(
    file: &std::path::Path,
    bank_dir: &std::path::Path,
    valid_only: bool,
    dry_run: bool,
) -> ExitCode {
    use dati::bank::import::{self, ImportError, ImportOptions};
    use std::io::IsTerminal;
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cannot read {}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    // A bar only where someone watches, and only when it takes a while.
    let terminal = std::io::stderr().is_terminal();
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut progress = |done: usize, total: usize| {
        if !terminal || total <= 500 {
            return;
        }
        let bar = bar.get_or_insert_with(|| {
            let bar = indicatif::ProgressBar::new(total as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("检查 {bar:40} {pos}/{len} 行 {eta}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        bar.set_position(done as u64);
    };
    let options = ImportOptions {
        valid_only,
        dry_run,
    };
    let result = import::import(bank_dir, &bytes, &options, &mut progress);
    if let Some(bar) = bar.take() {
        bar.finish_and_clear();
    }
    let report = match result {
        Ok(r) => r,
        Err(ImportError::Bank(errors)) => {
            eprint!("{}: {errors}", bank_dir.display());
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("{}: {e}", file.display());
            return ExitCode::FAILURE;
        }
    };
    for row in &report.rejected {
        eprintln!("{row}");
    }
    println!("{}", report.summary());
    let target = bank_dir.join(dati::bank::IMPORTED_FILE);
    if report.written {
        if report.changed_files {
            println!("written to {}", target.display());
        } else {
            println!(
                "{} already holds these questions; nothing changed",
                target.display()
            );
        }
        ExitCode::SUCCESS
    } else if dry_run {
        println!("dry run: nothing written");
        if report.rejected.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    } else if report.accepted == 0 {
        println!("nothing written: no row passed the checks");
        ExitCode::FAILURE
    } else {
        println!(
            "nothing written: fix the rows above and import again, or use --valid-only to import the {} valid rows",
            report.accepted
        );
        ExitCode::FAILURE
    }
}

fn bank_export(
    bank_dir: &std::path::Path,
    out: &std::path::Path,
    include_retired: bool,
) -> ExitCode {
    use dati::bank::export::{self, ExportFormat};
    let Some(format) = ExportFormat::from_path(out) else {
        eprintln!("--out must name a .xlsx, .csv or .zip file");
        return ExitCode::FAILURE;
    };
    let bank = match Bank::load(bank_dir) {
        Ok(bank) => bank,
        Err(e) => {
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let written = export::export(&bank, include_retired, format)
        .and_then(|bytes| Ok(std::fs::write(out, bytes)?));
    match written {
        Ok(()) => {
            let n = if include_retired {
                bank.all_questions().len()
            } else {
                bank.len()
            };
            println!("exported {n} questions to {}", out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot export to {}: {e:#}", out.display());
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
        redis_prefix: args.redis_prefix,
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
        district: Default::default(),
        ladder: dati::rooms::ladder::LadderConfig {
            questions: usize::from(args.ladder_questions),
            bot_fill_after: std::time::Duration::from_secs(args.ladder_bot_after),
        },
        app_secret: args.app_secret.filter(|s| !s.is_empty()),
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

fn append(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?
        .write_all(text.as_bytes())
}

fn load(args: LoadArgs) -> ExitCode {
    let config = dati::load::LoadConfig {
        target: args.target,
        players: args.players,
        ramp_per_sec: args.ramp,
        duration: std::time::Duration::from_secs(args.duration),
        think: std::time::Duration::from_millis(args.think_ms),
        think_sigma: args.think_sigma,
        heartbeat: Some(std::time::Duration::from_secs(args.heartbeat_s)),
        server_pid: args.server_pid,
        mix: args.scenario,
        competition: args.competition,
        in_step: args.in_step,
    };
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if args.threads > 0 {
        runtime.worker_threads(args.threads);
    }
    let runtime = runtime.enable_all().build().expect("tokio runtime");
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
            if let (Some(path), Some(name)) = (args.markdown, args.name)
                && let Err(e) = append(&path, &report.markdown_row(&name))
            {
                eprintln!("cannot write {}: {e}", path.display());
                return ExitCode::FAILURE;
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
