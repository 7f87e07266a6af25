//! `monitor`: the dexmon service binary. See the library crate for the flow.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use monitor::cli::Cli;

fn main() -> ExitCode {
    // The matches say which values were given explicitly, so a config file can fill the rest.
    let matches = Cli::command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(err) => err.exit(),
    };
    match monitor::run(cli, Some(&matches)) {
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
