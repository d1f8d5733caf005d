//! The `cachescope` binary: reads the configuration, starts the server, and
//! stops it cleanly on SIGINT or SIGTERM. Everything else lives in the library.

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    cachescope::telemetry::init();
    let config = cachescope::Config::parse();
    let app = match cachescope::Application::build(config).await {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "cannot start cachescope");
            return ExitCode::FAILURE;
        }
    };
    match app.run_until(cachescope::shutdown::signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "server stopped on an error");
            ExitCode::FAILURE
        }
    }
}
