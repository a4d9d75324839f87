//! The `stance` binary: parses the command line, runs the verb, and turns any error into
//! one line on stderr. Exit codes: 0 success, 1 an error (bad input, bad model, I/O),
//! 2 a usage error (from clap). A closed stdout (`stance score big.csv | head`) exits 0.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("stance: error: {}", one_line(&err));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes on one line, each cause once (a library error that already
/// quotes its source is not followed by the source again), plus a hint naming the flag
/// that would get past it.
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.ends_with(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    let hint = err
        .chain()
        .find_map(|c| match c.downcast_ref::<stance::Error>()? {
            stance::Error::InvalidUtf8 { .. } => Some("use --skip-invalid to skip such rows"),
            stance::Error::TextTooLong { .. } => {
                Some("raise --max-text-bytes, or set it to 0 for no limit")
            }
            _ => None,
        });
    if let Some(hint) = hint {
        line.push_str(" (");
        line.push_str(hint);
        line.push(')');
    }
    line.replace('\n', " ")
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<stance::Error>().is_some_and(|e| {
                matches!(e, stance::Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}
