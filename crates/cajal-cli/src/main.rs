//! The `cajal` binary: see the library's [`cajal_cli::run_cli`].

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(cajal_cli::run_cli(std::env::args_os()))
}
