//! Ctrl-C and SIGTERM. While a phase can stop cleanly (a simulation between two pieces, training
//! between two images) the first signal asks it to stop, save a checkpoint and write what it has;
//! at any other time (building a network, labelling, testing) and on a second signal the process
//! quits at once with exit code 130, removing its output-folder lock.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Set by the first signal during a phase that stops cleanly.
static STOP: AtomicBool = AtomicBool::new(false);
/// Whether the current phase stops cleanly on the first signal.
static GRACEFUL: AtomicBool = AtomicBool::new(false);
/// The output-folder lock to remove when quitting at once.
static LOCK: Mutex<Option<PathBuf>> = Mutex::new(None);
/// What the process is doing, for the message when it quits at once.
static DOING: Mutex<String> = Mutex::new(String::new());

/// Set when the command has finished and only ends the process: a signal then (mpirun ending a
/// job's other processes) quits silently.
static ENDING: AtomicBool = AtomicBool::new(false);

/// The command is done: a signal from now on quits without a message.
pub(crate) fn ending() {
    ENDING.store(true, Ordering::SeqCst);
}

/// Installs the handler (once; without it Ctrl-C simply ends the process).
pub(crate) fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(on_signal);
    });
}

fn on_signal() {
    if ENDING.load(Ordering::SeqCst) {
        std::process::exit(130);
    }
    if GRACEFUL.load(Ordering::SeqCst) && !STOP.swap(true, Ordering::SeqCst) {
        eprintln!(
            "\nstopping at the next safe point to save what was done (press Ctrl-C again to \
             quit at once, without saving)"
        );
        return;
    }
    if let Some(lock) = LOCK.lock().ok().and_then(|l| l.clone()) {
        let _ = std::fs::remove_file(lock);
    }
    let doing = DOING.lock().map(|d| d.clone()).unwrap_or_default();
    let doing = if doing.is_empty() {
        "starting".to_string()
    } else {
        doing
    };
    eprintln!("\ninterrupted while {doing}: quit at once, nothing more was written");
    std::process::exit(130);
}

/// The flag a clean stop looks at.
pub(crate) fn flag() -> &'static AtomicBool {
    &STOP
}

/// Says what the process does now (shown if it has to quit at once).
pub(crate) fn doing(what: &str) {
    if let Ok(mut d) = DOING.lock() {
        *d = what.to_string();
    }
}

/// Remembers the output-folder lock, removed when the process quits at once.
pub(crate) fn set_lock(path: Option<PathBuf>) {
    if let Ok(mut l) = LOCK.lock() {
        *l = path;
    }
}

/// While alive, the first signal asks for a clean stop (through [`flag`]) instead of quitting.
pub(crate) struct Graceful(());

impl Graceful {
    /// Starts a phase that stops cleanly; `what` names it.
    pub(crate) fn begin(what: &'static str) -> Graceful {
        doing(what);
        GRACEFUL.store(true, Ordering::SeqCst);
        Graceful(())
    }
}

impl Drop for Graceful {
    fn drop(&mut self) {
        GRACEFUL.store(false, Ordering::SeqCst);
    }
}
