//! The `quire` binary: parse arguments, run, map the result to an exit code.
//!
//! Exit codes: 0 success; 1 the manuscript, its configuration or the build
//! failed; 2 the command line is wrong.

use clap::Parser;

fn main() {
    let cli = match quire::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    match quire::cli::run(cli) {
        Ok(()) => {}
        Err(quire::Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            // `quire tree | head`: the reader went away; that is not a failure
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
