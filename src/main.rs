//! The `quire` binary: parse arguments, run, exit with the command's code.
//!
//! Exit codes: 0 success; 1 the manuscript, its configuration or the build
//! failed (or `--deny warnings` found warnings); 2 the command line is wrong.

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
    if let Err(e) = cli.validate() {
        let _ = e.print();
        std::process::exit(2);
    }
    std::process::exit(quire::cli::run(cli));
}
