//! `monitor`: the dexmon service binary. See the library crate for the flow.

use std::process::ExitCode;

use clap::Parser;
use monitor::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match monitor::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Tracing may not be initialised when start-up fails, so print the chain plainly.
            eprintln!("monitor: {err}");
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}
